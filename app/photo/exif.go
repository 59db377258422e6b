package photo

import "encoding/binary"

// exifOrientation reads the orientation tag (0x0112) of a JPEG's EXIF
// block: cameras and phones store the frame as the sensor saw it and say
// in this tag how to turn it. 1 (as stored) when there is none or the
// block is damaged: a wrong turn is fixed by the clerk, a refused photo
// by nobody.
func exifOrientation(b []byte) int {
	o := 1
	segments(b, func(marker byte, seg []byte) bool {
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			o = tiffOrientation(seg[6:])
			return false
		}
		return true
	})
	return o
}

// progressive says whether a JPEG is progressive (SOF2): its decoder
// keeps every coefficient, 2 bytes a sample, besides the picture.
func progressive(b []byte) bool {
	p := false
	segments(b, func(marker byte, _ []byte) bool {
		p = p || marker == 0xC2
		return !p
	})
	return p
}

// segments walks a JPEG's marker segments up to the picture data, handing
// each to f until f returns false; a damaged structure ends the walk.
func segments(b []byte, f func(marker byte, seg []byte) bool) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return
		}
		marker := b[i+1]
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0xFF {
			i++ // no length: a fill byte or a marker standing alone
			continue
		}
		if marker == 0xDA || marker == 0xD9 {
			return // the picture data starts
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return
		}
		if !f(marker, b[i+4:i+2+n]) {
			return
		}
		i += 2 + n
	}
}

// tiffOrientation reads the tag from the TIFF structure inside EXIF: its
// first directory (IFD0), where the orientation lives.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:]) != 42 {
		return 1
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 1
	}
	n := int64(bo.Uint16(t[off:]))
	for e := off + 2; e+12 <= int64(len(t)) && n > 0; e, n = e+12, n-1 {
		// An entry: tag, type, count, then the value (a SHORT sits in the
		// first two bytes of the four).
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 {
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}
