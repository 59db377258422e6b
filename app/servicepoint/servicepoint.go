// Package servicepoint describes the hall a kiosk serves: a township
// convenience service center (乡镇便民服务中心) or a village service station
// (村便民服务站), identified by its 12-digit statistical division code
// (统计用区划代码), whose first six digits name the county that receives its
// cases.
package servicepoint

import (
	"net"
	"strings"
	"unicode/utf8"

	"github.com/yichuang/yichuang/app/catalog"
	"github.com/yichuang/yichuang/app/ids"
	"github.com/yichuang/yichuang/app/msg"
)

// ServicePoint is the configured hall.
type ServicePoint struct {
	Code  string        `json:"code"`
	Name  string        `json:"name"`
	Level catalog.Level `json:"level"` // Township or Village
}

// County returns the six-digit code of the county the point belongs to.
func (s ServicePoint) County() string {
	if len(s.Code) < 6 {
		return ""
	}
	return s.Code[:6]
}

// Validation messages.
var (
	ErrCodeFormat   = msg.New("服务点编码应为12位数字的统计用区划代码，例如 330522101000")
	ErrCodeTownship = msg.New("乡镇（街道）的区划代码第7–9位是乡镇代码、最后3位为000，例如 330522101000")
	ErrCodeVillage  = msg.New("村（社区）的区划代码最后3位是村代码，不能是000，例如 330522101201")
	ErrNameEmpty    = msg.New("请填写服务点名称，例如 洪桥镇便民服务中心")
	ErrNameLong     = msg.New("服务点名称不超过40个字")
	ErrLevel        = msg.New("请选择服务点层级：乡镇（街道）或村（社区）")
)

// Normalize trims the fields and checks them, returning the first problem.
// The code's digits must be in the national tier ranges (ids.CheckDivisionCode)
// and agree with the level: a township's code ends in 000, a village's does
// not, so a code typed for the wrong tier is caught.
func (s ServicePoint) Normalize() (ServicePoint, error) {
	s.Code = strings.TrimSpace(s.Code)
	s.Name = strings.TrimSpace(s.Name)
	if len(s.Code) != 12 || strings.Trim(s.Code, "0123456789") != "" {
		return s, ErrCodeFormat
	}
	tier, err := ids.CheckDivisionCode(s.Code)
	if err != nil {
		return s, err
	}
	switch s.Level {
	case catalog.Township:
		if tier != ids.TierTownship {
			return s, ErrCodeTownship
		}
	case catalog.Village:
		if tier != ids.TierVillage {
			return s, ErrCodeVillage
		}
	default:
		return s, ErrLevel
	}
	if s.Name == "" {
		return s, ErrNameEmpty
	}
	if utf8.RuneCountInString(s.Name) > 40 {
		return s, ErrNameLong
	}
	return s, nil
}

// Paper sizes a kiosk's printer can take.
const (
	PaperA4     = "a4"
	PaperRoll80 = "roll80"
)

// Kiosk is this machine's configuration in the hall: which hall, its
// number among the hall's kiosks (part of every tracking code, so it must be
// unique within the hall), and its printer.
type Kiosk struct {
	Point        ServicePoint
	Device       int    // 1–35
	PrinterQueue string // CUPS/Windows printer name; empty: the system default
	Paper        string // PaperA4 or PaperRoll80
	// QueueRole is this machine's place in its hall: QueueLocal (alone, a
	// village station), QueueHub (the hall hub: it serves the queue and
	// keeps the hall's log of cases for the others) or QueueClient (one of
	// the hall's other machines, paired with the hub at HubAddr).
	QueueRole string
	HubAddr   string // host:port of the hub, for QueueClient
}

// DefaultHubPort is where a hall hub serves the hall's machines.
const DefaultHubPort = "8730"

// Queue roles.
const (
	QueueLocal  = "local"
	QueueHub    = "hub"
	QueueClient = "client"
)

// Kiosk messages.
var (
	ErrDevice = msg.New("本机编号应为1到35，同一大厅的每台机器编号不同")
	ErrPaper  = msg.New("请选择纸张：A4 或 80毫米热敏卷纸")
	ErrHub    = msg.New("请填写大厅主机地址，如 192.168.1.10:8730")
)

// Normalize checks the configuration.
func (k Kiosk) Normalize() (Kiosk, error) {
	p, err := k.Point.Normalize()
	k.Point = p
	if err != nil {
		return k, err
	}
	if k.Device < 1 || k.Device > 35 {
		return k, ErrDevice
	}
	k.PrinterQueue = strings.TrimSpace(k.PrinterQueue)
	if k.Paper == "" {
		k.Paper = PaperA4
	}
	if k.Paper != PaperA4 && k.Paper != PaperRoll80 {
		return k, ErrPaper
	}
	k.HubAddr = strings.TrimSpace(k.HubAddr)
	switch k.QueueRole {
	case "", QueueLocal, QueueHub:
		if k.QueueRole == "" {
			k.QueueRole = QueueLocal
		}
		k.HubAddr = ""
	case QueueClient:
		if !strings.Contains(k.HubAddr, ":") {
			k.HubAddr += ":" + DefaultHubPort // the port is the usual one unless said
		}
		if host, port, err := net.SplitHostPort(k.HubAddr); err != nil || host == "" || port == "" {
			return k, ErrHub
		}
	default:
		return k, ErrHub
	}
	return k, nil
}
