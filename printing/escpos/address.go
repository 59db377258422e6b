package escpos

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// Scheme starts a printer setting that names an ESC/POS printer rather
// than a system print queue. The setting stays one text field (the one the
// clerk's printer picker fills), so a hall PC moves from a CUPS queue to a
// thermal printer by typing its address there:
//
//	escpos://192.168.1.50        a network printer (TCP port 9100 unless given)
//	escpos:/dev/usb/lp0          a USB printer's device file
//	escpos:lp:票据打印机           a CUPS queue, sent raw (lp -o raw)
//
// with "?58" at the end for a 58 mm roll (384 dots; 80 mm is the default).
const Scheme = "escpos:"

// Where an Address sends its bytes.
const (
	NetTCP    = "tcp"
	NetDevice = "device"
	NetLP     = "lp"
)

// DefaultPort is the raw printing port of network printers (JetDirect).
const DefaultPort = "9100"

// Address is a parsed ESC/POS printer setting.
type Address struct {
	Net    string // NetTCP, NetDevice or NetLP
	Target string // host:port, the device path, or the CUPS queue name
	Dots   int    // Dots80 or Dots58
}

// ErrAddress is a setting that starts with the scheme but names no
// printer the kiosk can reach.
var ErrAddress = errors.New("escpos: bad printer address")

// IsAddress says whether a printer setting names an ESC/POS printer.
func IsAddress(setting string) bool {
	return strings.HasPrefix(strings.TrimSpace(setting), Scheme)
}

// ParseAddress reads a printer setting (see Scheme).
func ParseAddress(setting string) (Address, error) {
	s := strings.TrimSpace(setting)
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return Address{}, fmt.Errorf("%w: %q does not start with %s", ErrAddress, s, Scheme)
	}
	a := Address{Dots: Dots80}
	if body, width, ok := strings.Cut(rest, "?"); ok {
		switch width {
		case "58", "58mm":
			a.Dots = Dots58
		case "80", "80mm":
		default:
			return Address{}, fmt.Errorf("%w: paper %q (80 or 58)", ErrAddress, width)
		}
		rest = body
	}
	switch {
	case strings.HasPrefix(rest, "//"):
		host := strings.TrimSuffix(strings.TrimPrefix(rest, "//"), "/")
		if _, _, err := net.SplitHostPort(host); err != nil {
			host = net.JoinHostPort(strings.Trim(host, "[]"), DefaultPort)
		}
		h, port, err := net.SplitHostPort(host)
		if err != nil || h == "" || port == "" || strings.ContainsAny(h, "/ ") {
			return Address{}, fmt.Errorf("%w: network printer %q", ErrAddress, rest)
		}
		a.Net, a.Target = NetTCP, host
	case strings.HasPrefix(rest, "/"):
		a.Net, a.Target = NetDevice, rest
	case strings.HasPrefix(rest, "lp:"):
		a.Net, a.Target = NetLP, strings.TrimSpace(strings.TrimPrefix(rest, "lp:"))
		if a.Target == "" || strings.ContainsAny(a.Target, " \t/") {
			return Address{}, fmt.Errorf("%w: CUPS queue %q", ErrAddress, a.Target)
		}
	default:
		return Address{}, fmt.Errorf("%w: %q is neither //host, /dev/… nor lp:queue", ErrAddress, rest)
	}
	return a, nil
}

// String is the address as a setting.
func (a Address) String() string {
	s := Scheme
	switch a.Net {
	case NetTCP:
		s += "//" + a.Target
	case NetLP:
		s += "lp:" + a.Target
	default:
		s += a.Target
	}
	if a.Dots == Dots58 {
		s += "?58"
	}
	return s
}
