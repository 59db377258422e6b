package hallsync

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/yichuang/yichuang/app/hallnet"
	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/sync/protocol"
)

// Pairing messages, in the supervisor's words.
var (
	ErrPairTypo     = msg.New("配对码输错了：应为大厅主机上显示的20位字母和数字，请逐位核对")
	ErrPairWrongHub = msg.New("地址{{.Addr}}上的机器不是这个配对码的大厅主机，请核对地址和配对码")
	ErrPairNoHub    = msg.New("连不上大厅主机{{.Addr}}：请核对地址，并确认主机已开机、已设为“本机为大厅主机”")
)

// Pairing is what a new machine tells the hub about itself.
type Pairing struct {
	Addr    string // the hub, host:port
	Code    string // as the supervisor typed it
	Machine string // this machine's id in the hall
	Device  int    // this machine's number in the hall
	Name    string // its hostname, for the hub's list
	Point   string // the service point it was set up for
}

// Pair joins a machine to the hall of the hub at p.Addr: the hub is
// trusted only if its certificate matches the code's fingerprint, and the
// hub pairs the machine only if it knows the code's secret. The link it
// returns pins the hub's whole fingerprint from then on.
func Pair(ctx context.Context, p Pairing) (store.HallLink, error) {
	c, err := hallnet.ParseCode(p.Code)
	if err != nil {
		return store.HallLink{}, ErrPairTypo
	}
	var seen string
	tr := &http.Transport{TLSClientConfig: hallnet.PairingConfig(c, &seen),
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, TLSHandshakeTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	var out protocol.HallPairResponse
	err = do(ctx, &http.Client{Transport: tr}, "https://"+p.Addr, "", http.MethodPost, "/hall/v1/pair",
		protocol.HallPairRequest{Secret: c.Secret, Machine: p.Machine, Device: p.Device, Name: p.Name, Point: p.Point}, &out, 20*time.Second)
	var he *hallError
	switch {
	case err == nil:
	case errors.As(err, &he):
		return store.HallLink{}, he.message()
	case errors.Is(err, hallnet.ErrPin) || strings.Contains(err.Error(), hallnet.ErrPin.Error()):
		return store.HallLink{}, msg.New(ErrPairWrongHub.Key, "Addr", p.Addr)
	default:
		return store.HallLink{}, msg.New(ErrPairNoHub.Key, "Addr", p.Addr)
	}
	if out.Fingerprint != seen || out.Token == "" {
		return store.HallLink{}, msg.New(ErrPairWrongHub.Key, "Addr", p.Addr)
	}
	return store.HallLink{Addr: p.Addr, Pin: seen, Token: out.Token, Machine: p.Machine, Hub: out.Hub, UnlockKey: out.UnlockKey}, nil
}

// UnlockKey asks the hub for the key it keeps for this machine, to open
// the machine's data at start.
func UnlockKey(ctx context.Context, l store.HallLink) ([]byte, error) {
	tr := &http.Transport{TLSClientConfig: hallnet.PinnedConfig(l.Pin),
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, TLSHandshakeTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	var out protocol.HallUnlockResponse
	if err := do(ctx, &http.Client{Transport: tr}, "https://"+l.Addr, l.Token, http.MethodGet, "/hall/v1/unlock", nil, &out, 10*time.Second); err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(out.Key)
	if err != nil || len(key) != 32 {
		return nil, errors.New("the hub's unlock key is not 32 bytes")
	}
	return key, nil
}
