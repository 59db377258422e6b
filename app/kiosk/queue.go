package kiosk

import (
	"context"
	"log"

	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/hall"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
)

// hubPort is where a hall hub serves its terminals.
const hubPort = ":8730"

// HallNotice is the line the hall display shows under the calls.
const HallNotice = "办事请先取号，留意叫号；老年人、残疾人可请工作人员开通绿色通道。请保管好随身物品。"

// startQueue sets up the hall's queue for this machine's role: in-process
// (village station), in-process and served on the LAN until ctx ends (hall
// hub), or a client of the hub.
func startQueue(ctx context.Context, db *store.DB, clk clock.Clock, cfg servicepoint.Kiosk) hall.Service {
	switch cfg.QueueRole {
	case servicepoint.QueueClient:
		return hall.NewClient("http://"+cfg.HubAddr, cfg.HallKey)
	case servicepoint.QueueHub:
		l := hall.NewLocal(db, clk, HallNotice)
		go func() {
			if err := hall.Listen(ctx, hubPort, l, cfg.HallKey); err != nil {
				log.Printf("hall hub: %v", err)
			}
		}()
		return l
	}
	return hall.NewLocal(db, clk, HallNotice)
}
