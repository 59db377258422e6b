/*
 * wltsim: a stand-in for a vendor's WLT photo decoder (libwlt.so). The
 * real one decompresses the card's 1024-byte photo; this one paints a
 * 102x126 24-bit BMP in the colour of the first three bytes, with a darker
 * band for a face, so a test can tell the photo it put on the card. A
 * photo starting with "BAD!" does not decode (returns -1).
 */
#include <string.h>

#define W 102
#define H 126
#define ROW 308 /* 102 * 3 padded to 4 */

static void le32(unsigned char *p, unsigned int v) {
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

int unpack(char *wlt, char *bmp, int with_header) {
	unsigned char *out = (unsigned char *)bmp;
	unsigned char *px;
	int x, y;
	if (memcmp(wlt, "BAD!", 4) == 0) {
		return -1;
	}
	if (with_header) {
		memset(out, 0, 54);
		out[0] = 'B'; out[1] = 'M';
		le32(out + 2, 54 + ROW * H);
		le32(out + 10, 54);
		le32(out + 14, 40);
		le32(out + 18, W);
		le32(out + 22, H);
		out[26] = 1;
		out[28] = 24;
		le32(out + 34, ROW * H);
		out += 54;
	}
	for (y = 0; y < H; y++) {
		for (x = 0; x < W; x++) {
			px = out + y * ROW + x * 3;
			int face = y > 40 && y < 100 && x > 25 && x < 77;
			px[0] = (unsigned char)wlt[2] / (face ? 2 : 1); /* BMP is BGR */
			px[1] = (unsigned char)wlt[1] / (face ? 2 : 1);
			px[2] = (unsigned char)wlt[0] / (face ? 2 : 1);
		}
		memset(out + y * ROW + W * 3, 0, ROW - W * 3);
	}
	return 1;
}
