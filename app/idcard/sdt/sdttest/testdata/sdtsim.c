/*
 * sdtsim: a second-generation ID-card reader that exists only for tests.
 * It implements the SDT API a vendor library exports and answers as the
 * test that built it says: the file named by SDTSIM_CONTROL holds one word,
 *
 *   none     no card on the reader (SDT_StartFindIDCard: 0x80)
 *   present  the card in CONTROL.base (256 bytes) with the photo in
 *            CONTROL.wlt (1024 bytes)
 *   removed  found and selected, then taken away: SDT_ReadBaseMsg 0x41
 *   fail     the reader cannot authenticate the card: SDT_ReadBaseMsg 0x31
 *   gone     unplugged: SDT_OpenPort 0x01, every other call 0x02
 *
 * and every call is appended to CONTROL.log, so a test can see the port
 * opened again after the reader came back. Only port 1001 (the first USB
 * reader) answers, as with one reader plugged in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
/* The C runtime's getenv is a copy taken when it started; the Go test
 * sets SDTSIM_CONTROL in the process's own environment. */
static const char *control_path(void) {
	static char path[4096];
	DWORD n = GetEnvironmentVariableA("SDTSIM_CONTROL", path, sizeof path);
	return n > 0 && n < sizeof path ? path : NULL;
}
#else
static const char *control_path(void) { return getenv("SDTSIM_CONTROL"); }
#endif

static int open_port;

static void control(char *state, size_t n) {
	const char *path = control_path();
	FILE *f;
	state[0] = 0;
	if (path == NULL || (f = fopen(path, "r")) == NULL) {
		strncpy(state, "gone", n);
		return;
	}
	if (fscanf(f, "%15s", state) != 1) {
		strncpy(state, "none", n);
	}
	fclose(f);
}

static void note(const char *call, int port, int code) {
	const char *path = control_path();
	char log[4096];
	FILE *f;
	if (path == NULL) {
		return;
	}
	snprintf(log, sizeof log, "%s.log", path);
	if ((f = fopen(log, "ab")) != NULL) {
		fprintf(f, "%s %d %#x\n", call, port, code);
		fclose(f);
	}
}

static int load(const char *suffix, unsigned char *buf, size_t n) {
	char path[4096];
	FILE *f;
	size_t got;
	snprintf(path, sizeof path, "%s.%s", control_path(), suffix);
	if ((f = fopen(path, "rb")) == NULL) {
		return 0;
	}
	got = fread(buf, 1, n, f);
	fclose(f);
	return got == n;
}

int SDT_OpenPort(int port) {
	char state[16];
	int code = 0x90;
	control(state, sizeof state);
	if (strcmp(state, "gone") == 0 || port != 1001) {
		code = 0x01;
	} else {
		open_port = port;
	}
	note("SDT_OpenPort", port, code);
	return code;
}

int SDT_ClosePort(int port) {
	if (port == open_port) {
		open_port = 0;
	}
	note("SDT_ClosePort", port, 0x90);
	return 0x90;
}

static int ready(int port) {
	char state[16];
	control(state, sizeof state);
	return strcmp(state, "gone") != 0 && port == open_port && port != 0;
}

/* find answers SDT_StartFindIDCard and SDT_SelectIDCard, which differ only
 * in their codes for no card and for success. */
static int find(const char *call, int port, unsigned char *info, int none, int ok) {
	char state[16];
	int code;
	control(state, sizeof state);
	if (!ready(port)) {
		code = 0x02;
	} else if (strcmp(state, "none") == 0) {
		code = none;
	} else {
		memset(info, 0, 8);
		code = ok;
	}
	note(call, port, code);
	return code;
}

int SDT_StartFindIDCard(int port, unsigned char *info, int if_open) {
	(void)if_open;
	return find("SDT_StartFindIDCard", port, info, 0x80, 0x9f);
}

int SDT_SelectIDCard(int port, unsigned char *info, int if_open) {
	(void)if_open;
	return find("SDT_SelectIDCard", port, info, 0x81, 0x90);
}

int SDT_ReadBaseMsg(int port, unsigned char *ch, unsigned int *ch_len, unsigned char *ph, unsigned int *ph_len, int if_open) {
	char state[16];
	int code = 0x90;
	(void)if_open;
	control(state, sizeof state);
	if (!ready(port)) {
		code = 0x02;
	} else if (strcmp(state, "none") == 0 || strcmp(state, "removed") == 0) {
		code = 0x41;
	} else if (strcmp(state, "fail") == 0) {
		code = 0x31;
	} else if (!load("base", ch, 256) || !load("wlt", ph, 1024)) {
		code = 0x41;
	} else {
		*ch_len = 256;
		*ph_len = 1024;
	}
	note("SDT_ReadBaseMsg", port, code);
	return code;
}
