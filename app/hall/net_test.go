package hall

import (
	"encoding/json"
	"net"
)

func netListen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

func jsonDoc(payload []byte, v any) error {
	var p struct {
		Doc json.RawMessage `json:"doc"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return err
	}
	return json.Unmarshal(p.Doc, v)
}
