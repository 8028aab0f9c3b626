/* probe_decode: the guest's bytes to UTF-8. cmd.exe writes redirected output in the console's
 * code page (the OEM code page of the guest's language unless `chcp` changed it: 437, 850,
 * 852, 866, 932, 936, 949...). The probe prints `chcp` first, in its own section, to learn it;
 * these functions read that number and decode with iconv. Pure functions, no I/O. */
#ifndef QUIESCENT_PROBE_DECODE_H
#define QUIESCENT_PROBE_DECODE_H

#include <stdbool.h>
#include <stddef.h>

#define PROBE_SEC_CHCP "chcp"

/* The code page `chcp` printed ("Active code page: 850", "Aktive Codepage: 850.",
 * "現在のコード ページ: 932"): the last number on its first non-blank line. 0 when there is none
 * or it is not a code page iconv knows. */
int probe_code_page_of(const char *chcp_text, size_t len);

/* The code page printed in the chcp section of a probe's raw output, 0 if none. */
int probe_code_page(const char *raw, size_t len);

/* raw[0..len) in code page cp to UTF-8 (heap, NUL-terminated; *out_len without the NUL).
 * Bytes invalid in cp become U+FFFD, NUL bytes are dropped, so the result is always valid
 * UTF-8 a C string can hold. cp 0 (unknown): valid UTF-8 is kept, every other byte >= 0x80
 * becomes U+FFFD (the ASCII structure - markers, numbers, GUIDs - still reads). */
char *probe_decode(const char *raw, size_t len, int cp, size_t *out_len);

/* Whether iconv knows code page cp ("CP850"; 65001 is UTF-8). */
bool probe_code_page_known(int cp);

#endif
