package counter

import (
	"errors"

	"github.com/yichuang/yichuang/app/msg"
	"github.com/yichuang/yichuang/printing"
)

// What a person is told when a paper did not print: one short line saying
// what to do, in their language. The print command's own words (lp's
// English) are printing.DetailOf, for a 详情 button and the log only.
var (
	ErrPrintNoCommand    = msg.New("本机没有安装打印服务")
	ErrPrintNoQueue      = msg.New("本机未设置打印机，请在设置中选择")
	ErrPrintNoDefault    = msg.New("没有默认打印机，请在设置中选择打印机")
	ErrPrintUnknownQueue = msg.New("找不到设置的打印机，请在设置中重新选择")
	ErrPrintNotAccepting = msg.New("打印机已暂停或离线，请检查打印机")
	ErrPrintNoSpooler    = msg.New("打印服务没有运行，请重启电脑或联系技术支持")
	ErrPrintTimedOut     = msg.New("打印机长时间没有响应，请检查打印机")
	ErrPrintRefused      = msg.New("打印机没有接受这份文件，请检查打印机")
	ErrPrintOther        = msg.New("没有送到打印机，请重试；如再次出现请联系技术支持")
	// What a thermal printer says of itself (printing.Thermal): the clerk
	// or the hall's staff can fix the first three on the spot.
	ErrPrintPaperOut  = msg.New("打印机缺纸，请装入新纸卷后重新打印")
	ErrPrintCoverOpen = msg.New("打印机纸仓盖未合上，请合上后重新打印")
	ErrPrintOffline   = msg.New("热敏打印机未连接或未开机，请检查电源和连线")
	ErrPrintFault     = msg.New("打印机故障（切刀或机芯），请联系技术支持")
)

// PrintMessage maps a print failure to its short message: the one place
// the named problems of package printing become words. nil for nil.
func PrintMessage(err error) *msg.Error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNoPrinter) {
		return ErrPrintNoQueue
	}
	switch printing.ProblemOf(err) {
	case printing.NoCommand:
		return ErrPrintNoCommand
	case printing.NoDefault:
		return ErrPrintNoDefault
	case printing.UnknownQueue:
		return ErrPrintUnknownQueue
	case printing.NotAccepting:
		return ErrPrintNotAccepting
	case printing.NoSpooler:
		return ErrPrintNoSpooler
	case printing.TimedOut:
		return ErrPrintTimedOut
	case printing.Refused:
		return ErrPrintRefused
	case printing.PaperOut:
		return ErrPrintPaperOut
	case printing.CoverOpen:
		return ErrPrintCoverOpen
	case printing.Offline:
		return ErrPrintOffline
	case printing.Fault:
		return ErrPrintFault
	}
	return ErrPrintOther
}
