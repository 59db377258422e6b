// Command mkcases accepts a few cases at the counter of a kiosk's data
// directory, as a clerk would, so the package upgrade test has real cases
// to find after the newer version is installed over the older one.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"path/filepath"

	"github.com/yichuang/yichuang/app/cases"
	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/clerks"
	"github.com/yichuang/yichuang/app/clock"
	"github.com/yichuang/yichuang/app/counter"
	"github.com/yichuang/yichuang/app/servicepoint"
	"github.com/yichuang/yichuang/app/store"
	"github.com/yichuang/yichuang/assets"
)

func main() {
	dir := flag.String("data", "", "the kiosk's data directory")
	n := flag.Int("n", 3, "cases to accept")
	flag.Parse()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(*dir, "yichuang.db"), store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if ok, _ := db.HasCatalog(ctx); !ok {
		if _, err := db.LoadCatalog(ctx, assets.DemoCatalog()); err != nil {
			log.Fatal(err)
		}
	}
	if _, ok, _ := db.Kiosk(ctx); !ok {
		if _, err := db.ConfigureKiosk(ctx, servicepoint.Kiosk{Point: servicepoint.ServicePoint{Code: "330522101000", Name: "洪桥镇便民服务中心", Level: catalog.Township},
			Device: 1, Paper: servicepoint.PaperA4}); err != nil {
			log.Fatal(err)
		}
	}
	sup, err := db.Authenticate(ctx, "zhuguan", "hq-2026-chen")
	if err != nil {
		if sup, err = db.CreateFirstSupervisor(ctx, clerks.Account{Login: "zhuguan", Name: "陈主管", Window: 1}, "hq-2026-chen"); err != nil {
			log.Fatal(err)
		}
	}
	cal, err := db.Calendar(ctx)
	if err != nil {
		log.Fatal(err)
	}
	c := &counter.Counter{Store: db, Calendar: cal, Clock: clock.System{}}
	cat, _ := db.ActiveCatalog(ctx)
	m, _ := cat.Matter("330000-SS-0001")
	for i := 0; i < *n; i++ {
		d := cases.Draft{Matters: []string{m.Code}, Applicant: cases.Applicant{Kind: cases.Individual, Name: "张小红", IDNumber: "330522199003150024", Mobile: "13857201234"},
			Fields: map[string]string{"organization_form": "个人经营", "business_address": "洪桥镇洪桥路18号", "business_scope": "餐饮服务",
				"registered_capital": "5", "employees": "3", "delivery": "窗口领取"}}
		for _, mat := range m.Materials {
			d.Materials = append(d.Materials, cases.MaterialEntry{Matter: m.Code, Material: mat.ID, State: cases.AllowedStates(mat)[0]})
		}
		cs, err := c.Submit(ctx, sup, d, cases.Decision{Kind: cases.Accept})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(cs.Tracking)
	}
}
