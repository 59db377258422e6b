/*
 * Included before every C file of the Linux builds (packaging/build.sh):
 * binds the few libm functions whose symbol version moved in glibc 2.29
 * (new versions without the old SVID error handling, same results) to
 * their first version, so the kiosk also starts on glibc 2.28 (UOS 20).
 * build.sh's check_glibc prints what the binaries need in the end.
 */
#if defined(__ASSEMBLER__)
/* assembly files (runtime/cgo) are passed through the C preprocessor too */
#elif defined(__x86_64__)
__asm__(".symver log,log@GLIBC_2.2.5");
__asm__(".symver exp,exp@GLIBC_2.2.5");
__asm__(".symver pow,pow@GLIBC_2.2.5");
__asm__(".symver log2,log2@GLIBC_2.2.5");
__asm__(".symver exp2,exp2@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver log,log@GLIBC_2.17");
__asm__(".symver exp,exp@GLIBC_2.17");
__asm__(".symver pow,pow@GLIBC_2.17");
__asm__(".symver log2,log2@GLIBC_2.17");
__asm__(".symver exp2,exp2@GLIBC_2.17");
#endif
