/*
 * A stand-in bcryptprimitives.dll for running the Windows build under
 * Debian 12's Wine 8.0 in make package-test, never shipped. Go's runtime
 * gets its random bytes from ProcessPrng (bcryptprimitives.dll, Windows 10
 * and later), which that Wine lacks, so the exe stops at once with "fatal
 * error: bcryptprimitives.dll not found". This gives the same bytes from
 * RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
