// Package phototest provides camera photos of printed papers for tests and
// benchmarks: application forms and ID cards, printed with the kiosk's
// embedded CJK font, laid on a dark desk and "photographed" the way a
// document camera (高拍仪) does it — turned a little, lit unevenly, with
// sensor noise and a JPEG at quality 95 of 2–8 MB — so the normaliser and
// OCR see what they will see in a hall. Everything is deterministic for a
// seed; the text printed comes back with the photo, for checking what OCR
// reads.
package phototest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/yichuang/yichuang/assets"
)

// Shot is how a paper is photographed.
type Shot struct {
	// W, H are the camera's frame (4000×3000 is a 12 MP document camera).
	W, H int
	// Fill is the part of the frame's height (a card: of its width) the
	// paper takes.
	Fill float64
	// Tilt turns the paper on the desk, in degrees (positive: clockwise
	// on screen).
	Tilt float64
	// Noise is the sensor noise's standard deviation in 8-bit levels.
	Noise float64
	// Quality is the camera's JPEG quality (95 when zero).
	Quality int
	Seed    uint64
}

// Photo is a photographed paper and the text printed on it.
type Photo struct {
	Name string
	JPEG []byte
	Text string
}

var (
	fontOnce sync.Once
	fontErr  error
	fnt      *opentype.Font
)

func face(px float64) font.Face {
	fontOnce.Do(func() { fnt, fontErr = opentype.Parse(assets.Font()) })
	if fontErr != nil {
		panic(fmt.Sprintf("phototest: the embedded font: %v", fontErr))
	}
	f, err := opentype.NewFace(fnt, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		panic(fmt.Sprintf("phototest: face: %v", err))
	}
	return f
}

// printer lays lines of text on a page and remembers them.
type printer struct {
	img  *image.RGBA
	text strings.Builder
}

func (p *printer) line(x, y int, px float64, c color.Color, s string) {
	d := &font.Drawer{Dst: p.img, Src: image.NewUniform(c), Face: face(px), Dot: fixed.P(x, y)}
	d.DrawString(s)
	p.text.WriteString(s)
	p.text.WriteByte('\n')
}

var (
	black = color.RGBA{25, 25, 30, 255}
	red   = color.RGBA{200, 30, 35, 255}
)

var (
	surnames = []string{"张", "王", "李", "赵", "陈", "刘", "杨", "黄", "吴", "周"}
	givens   = []string{"小红", "建国", "丽华", "志强", "秀英", "海峰", "春梅", "国庆", "晓燕", "明辉"}
	streets  = []string{"洪桥镇洪桥路18号", "雉城街道金陵路207号", "夹浦镇环沉路9号", "和平镇长城村3组", "泗安镇仙山路66号"}
	trades   = []string{"餐饮服务", "日用百货零售", "水果零售", "理发服务", "农产品收购", "家电维修"}
)

// Form prints an application form (个体工商户登记申请书) on an A4 page
// of the given width in pixels. It has a red seal when seal is set.
func Form(seed uint64, width int, seal bool) (*image.RGBA, string) {
	r := rand.New(rand.NewPCG(seed, 7))
	w, h := width, int(float64(width)*297/210)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{250, 250, 246, 255}), image.Point{}, draw.Src)
	p := &printer{img: img}
	u := float64(w) / 210 // pixels per millimetre
	body := 4.2 * u       // 12 pt
	small := 3.2 * u      // 9 pt
	name := surnames[r.IntN(len(surnames))] + givens[r.IntN(len(givens))]
	left, y := int(20*u), int(30*u)
	p.line(int(45*u), y, 7*u, black, "个体工商户登记（备案）申请书")
	y += int(16 * u)
	fields := [][2]string{
		{"经营者姓名", name},
		{"联系电话", fmt.Sprintf("1385720%04d", r.IntN(10000))},
		{"经营场所", "浙江省湖州市长兴县" + streets[r.IntN(len(streets))]},
		{"经营范围", trades[r.IntN(len(trades))]},
		{"组成形式", []string{"个人经营", "家庭经营"}[r.IntN(2)]},
		{"资金数额", fmt.Sprintf("%d万元", 2+r.IntN(30))},
		{"从业人数", fmt.Sprintf("%d人", 1+r.IntN(8))},
	}
	for _, f := range fields {
		p.line(left, y, body, black, f[0]+"："+f[1])
		drawRule(img, left+int(28*u), y+int(1.5*u), w-left, max(1, int(0.25*u)))
		y += int(11 * u)
	}
	y += int(4 * u)
	p.line(left, y, body, black, "申请人承诺：")
	y += int(8 * u)
	pledge := []string{
		"本人承诺所提交的申请材料真实、合法、有效，",
		"复印件与原件一致，如有虚假，愿承担相应的法律责任。",
		"本人已阅读并知晓经营场所使用的有关规定，",
		"经营活动中遵守食品安全、消防安全和环境保护的要求。",
	}
	for _, s := range pledge {
		p.line(left, y, body, black, s)
		y += int(7.5 * u)
	}
	y += int(6 * u)
	p.line(left, y, small, black, "注：本申请书一式两份，由登记机关留存一份。请使用黑色钢笔或签字笔填写，字迹工整。")
	y += int(6 * u)
	p.line(left, y, small, black, "登记机关将在三个工作日内作出决定，并通过短信告知申请人。")
	y += int(20 * u)
	p.line(int(120*u), y, body, black, "申请人签字："+name)
	y += int(10 * u)
	p.line(int(120*u), y, body, black, fmt.Sprintf("2026年%d月%d日", 1+r.IntN(12), 1+r.IntN(28)))
	if seal {
		stamp(img, int(150*u), y-int(12*u), int(20*u), red)
	}
	return img, p.text.String()
}

func drawRule(img *image.RGBA, x0, y, x1, t int) {
	draw.Draw(img, image.Rect(x0, y, x1, y+t), image.NewUniform(color.RGBA{120, 120, 125, 255}), image.Point{}, draw.Over)
}

// stamp draws a round seal's ring and star.
func stamp(img *image.RGBA, cx, cy, rad int, c color.RGBA) {
	for y := cy - rad; y <= cy+rad; y++ {
		for x := cx - rad; x <= cx+rad; x++ {
			d := math.Hypot(float64(x-cx), float64(y-cy))
			ring := d <= float64(rad) && d >= float64(rad)*0.9
			star := d <= float64(rad)*0.25
			if ring || star {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

// IDCard prints a resident ID card's face (front: name, sex, birth,
// address, number and a portrait; back: the issuing authority and term)
// at the given width (the card is 85.6 × 54 mm). The person is made up;
// the number is the test number used across the repository.
func IDCard(seed uint64, width int, back bool) (*image.RGBA, string) {
	r := rand.New(rand.NewPCG(seed, 11))
	w, h := width, int(float64(width)*54/85.6)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			// The card's pale print: a blue-to-cream wash.
			t := float64(x) / float64(w)
			img.SetRGBA(x, y, color.RGBA{uint8(226 + 20*t), uint8(234 + 10*t), uint8(242 - 10*t), 255})
		}
	}
	p := &printer{img: img}
	u := float64(w) / 85.6
	label := color.RGBA{40, 90, 150, 255}
	if back {
		stamp(img, int(14*u), int(14*u), int(9*u), color.RGBA{200, 40, 40, 255})
		p.line(int(30*u), int(14*u), 5.5*u, black, "中华人民共和国")
		p.line(int(30*u), int(24*u), 4.5*u, black, "居民身份证")
		p.line(int(12*u), int(40*u), 3*u, label, "签发机关 长兴县公安局")
		y0 := 2010 + r.IntN(10)
		p.line(int(12*u), int(47*u), 3*u, label, fmt.Sprintf("有效期限 %d.03.15-%d.03.15", y0, y0+20))
		return img, p.text.String()
	}
	name := surnames[r.IntN(len(surnames))] + givens[r.IntN(len(givens))]
	p.line(int(6*u), int(10*u), 3.2*u, label, "姓名 "+name)
	p.line(int(6*u), int(17*u), 3.2*u, label, "性别 女 民族 汉")
	p.line(int(6*u), int(24*u), 3.2*u, label, "出生 1990年3月15日")
	p.line(int(6*u), int(31*u), 3.2*u, label, "住址 浙江省湖州市长兴县")
	p.line(int(14*u), int(37*u), 3.2*u, label, streets[r.IntN(len(streets))])
	p.line(int(6*u), int(49*u), 3.6*u, black, "公民身份号码 330522199003150024")
	// The portrait: a face-coloured oval on a light ground.
	px0, py0, pw, ph := int(60*u), int(8*u), int(22*u), int(28*u)
	for y := py0; y < py0+ph; y++ {
		for x := px0; x < px0+pw; x++ {
			dx, dy := float64(x-px0-pw/2)/float64(pw/3), float64(y-py0-ph*2/5)/float64(ph/3)
			c := color.RGBA{235, 238, 240, 255}
			if dx*dx+dy*dy <= 1 {
				c = color.RGBA{222, 180, 150, 255}
			} else if y > py0+ph*3/4 {
				c = color.RGBA{40, 45, 60, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img, p.text.String()
}

// Photograph lays the paper on a dark desk and takes its picture.
func Photograph(paper *image.RGBA, s Shot) []byte {
	if s.Quality == 0 {
		s.Quality = 95
	}
	r := rand.New(rand.NewPCG(s.Seed, 3))
	pw, ph := float64(paper.Rect.Dx()), float64(paper.Rect.Dy())
	// The paper's size in the frame.
	scale := s.Fill * float64(s.H) / ph
	if pw/ph > 1.2 { // a card lies across: its width sets the size
		scale = s.Fill * float64(s.W) / pw
	}
	sin, cos := math.Sincos(s.Tilt * math.Pi / 180)
	cx, cy := float64(s.W)/2+float64(r.IntN(41)-20), float64(s.H)/2+float64(r.IntN(41)-20)
	// The lamp stands off to one side.
	lx, ly := float64(s.W)*(0.2+0.6*r.Float64()), float64(s.H)*(0.1+0.3*r.Float64())
	reach := math.Hypot(float64(s.W), float64(s.H))
	out := image.NewRGBA(image.Rect(0, 0, s.W, s.H))
	for y := range s.H {
		for x := range s.W {
			// Where this camera pixel falls on the paper (the inverse
			// of turning the paper by Tilt about the frame's centre).
			u, v := float64(x)-cx, float64(y)-cy
			px, py := (u*cos+v*sin)/scale+pw/2, (-u*sin+v*cos)/scale+ph/2
			var rr, gg, bb float64
			if px >= 0 && py >= 0 && px < pw-1 && py < ph-1 {
				rr, gg, bb = bilinear(paper, px, py)
			} else {
				// A dark grey desk mat with a faint weave.
				t := 62 + 6*math.Sin(float64(x)/37)*math.Sin(float64(y)/53)
				rr, gg, bb = t+4, t, t-4
			}
			d := math.Hypot(float64(x)-lx, float64(y)-ly) / reach
			light := 1.0 - 0.35*d*d*2
			n := r.NormFloat64() * s.Noise // the sensor: brightness noise, a little colour noise
			i := out.PixOffset(x, y)
			out.Pix[i] = clamp(rr*light*1.0 + n + r.NormFloat64()*s.Noise/3)
			out.Pix[i+1] = clamp(gg*light*0.97 + n + r.NormFloat64()*s.Noise/3)
			out.Pix[i+2] = clamp(bb*light*0.9 + n + r.NormFloat64()*s.Noise/3)
			out.Pix[i+3] = 255
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, out, &jpeg.Options{Quality: s.Quality}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func bilinear(img *image.RGBA, x, y float64) (r, g, b float64) {
	x0, y0 := int(x), int(y)
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(xx, yy int) (float64, float64, float64) {
		i := img.PixOffset(xx, yy)
		return float64(img.Pix[i]), float64(img.Pix[i+1]), float64(img.Pix[i+2])
	}
	r00, g00, b00 := at(x0, y0)
	r10, g10, b10 := at(x0+1, y0)
	r01, g01, b01 := at(x0, y0+1)
	r11, g11, b11 := at(x0+1, y0+1)
	mix := func(a, b, c, d float64) float64 {
		return (a*(1-fx)+b*fx)*(1-fy) + (c*(1-fx)+d*fx)*fy
	}
	return mix(r00, r10, r01, r11), mix(g00, g10, g01, g11), mix(b00, b10, b01, b11)
}

func clamp(v float64) uint8 {
	return uint8(max(0, min(255, v+0.5)))
}

// Set is a case's photos: its application form (with a red seal on every
// third), and both faces of the applicant's ID card, each photographed
// at one of the common document-camera resolutions (8, 12 and 16 MP).
func Set(seed uint64) []Photo {
	r := rand.New(rand.NewPCG(seed, 5))
	frames := [][2]int{{3264, 2448}, {4000, 3000}, {4608, 3456}}
	shot := func(i int) Shot {
		f := frames[r.IntN(len(frames))]
		return Shot{W: f[0], H: f[1], Tilt: (r.Float64()*2 - 1) * 3, Noise: 3 + r.Float64()*3, Seed: seed*10 + uint64(i)}
	}
	var out []Photo
	s := shot(0)
	s.Fill = 0.9
	form, text := Form(seed, int(float64(s.H)*0.9*210/297), seed%3 == 0)
	out = append(out, Photo{Name: fmt.Sprintf("申请书_%d.jpg", seed), JPEG: Photograph(form, s), Text: text})
	for i, back := range []bool{false, true} {
		s := shot(i + 1)
		s.Fill = 0.45
		card, text := IDCard(seed, int(float64(s.W)*0.45), back)
		side := map[bool]string{false: "正面", true: "反面"}[back]
		out = append(out, Photo{Name: fmt.Sprintf("身份证%s_%d.jpg", side, seed), JPEG: Photograph(card, s), Text: text})
	}
	return out
}
