/* vs_error: how every failure of a vSphere call is reported: a kind the caller can branch on
 * (exit codes, retry decisions), the SOAP fault type when there is one, and one sentence for
 * the operator. Caller-owned, filled by the callee: no static buffers (we have threads). */
#ifndef QUIESCENT_VS_ERROR_H
#define QUIESCENT_VS_ERROR_H

#include <stdbool.h>

typedef enum {
	VS_OK = 0,
	VS_ERR_NETWORK,   /* connect, DNS, reset, HTTP status without a SOAP fault */
	VS_ERR_TLS,       /* certificate not trusted, hostname or thumbprint mismatch */
	VS_ERR_LOGIN,     /* InvalidLogin, NotAuthenticated after one re-login */
	VS_ERR_FAULT,     /* a SOAP fault: see fault */
	VS_ERR_PARSE,     /* a response that is not what the API promises */
	VS_ERR_TIMEOUT,   /* no progress within the time allowed */
	VS_ERR_CANCELLED, /* the caller asked to stop */
	VS_ERR_USAGE,     /* bad argument from our own caller */
} vs_error_kind;

typedef struct {
	vs_error_kind kind;
	char fault[64];      /* SOAP fault type, "InvalidGuestLogin"; empty when none */
	char message[512];   /* one sentence, never contains a secret */
} vs_error;

void vs_error_clear(vs_error *e);
/* Sets kind and a printf-formatted message (truncated to fit); returns -1 for `return vs_fail(...)`. */
int vs_fail(vs_error *e, vs_error_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *vs_error_kind_name(vs_error_kind k);

#endif
