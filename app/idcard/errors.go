package idcard

import (
	"github.com/yichuang/yichuang/app/msg"
)

// The reader's outcomes a screen tells apart. They are msg errors so that a
// screen shows their text in the clerk's language; the driver wraps them
// with the library's own code for the log.
var (
	ErrNoReader   = msg.New("未找到身份证阅读器：请检查阅读器的USB连线和电源，或在设置中核对读卡库路径")
	ErrNoCard     = msg.New("请将身份证放在阅读器上")
	ErrRemoved    = msg.New("读卡时身份证被移开，请放稳后不要移动，直到读卡完成")
	ErrReadFailed = msg.New("身份证读取失败，请重新放置证件；仍不行请手工录入")
	// ErrBadMessage is a base message that is not one of the known layouts
	// (a card kind added after this version, or a garbled transfer).
	ErrBadMessage = msg.New("读到的证件信息格式无法识别，请手工录入")
)
