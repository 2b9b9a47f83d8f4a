/*
 * bcryptprimitives.dll stand-in for Wine 8, which has no bcryptprimitives.dll.
 *
 * Go >= 1.22 binaries for Windows import ProcessPrng from bcryptprimitives.dll
 * at start-up (runtime and crypto/rand); without it they die with
 * "fatal error: bcryptprimitives.dll not found". Windows' ProcessPrng never
 * fails; this one fills the buffer from RtlGenRandom (advapi32
 * SystemFunction036), which Wine backs with the host's random source.
 *
 * Built by .ci/wine/setup with x86_64-w64-mingw32-gcc; test harness only.
 */
#include <windows.h>

/* RtlGenRandom; declared here to avoid ntsecapi.h's macro games. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE pbData, SIZE_T cbData)
{
    while (cbData > 0) {
        /* RtlGenRandom takes a ULONG (32-bit) length: go in chunks. */
        ULONG n = cbData > 0x40000000 ? 0x40000000 : (ULONG)cbData;
        if (!SystemFunction036(pbData, n))
            return FALSE;
        pbData += n;
        cbData -= n;
    }
    return TRUE;
}

/* Entry point: built with -nostdlib, so no CRT start-up code runs. */
BOOL WINAPI DllEntry(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH)
        DisableThreadLibraryCalls(instance);
    return TRUE;
}
