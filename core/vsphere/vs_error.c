#include "vsphere/vs_error.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>

void vs_error_clear(vs_error *e)
{
	e->kind = VS_OK;
	e->fault[0] = '\0';
	e->message[0] = '\0';
}

int vs_fail(vs_error *e, vs_error_kind kind, const char *fmt, ...)
{
	if (!e)
		return -1;
	e->kind = kind;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	/* A fault string from the server may hold a newline or a terminal escape: the sentence
	 * stays one line and nothing reaches a terminal raw (util/text.h). */
	text_clean_inplace(e->message);
	return -1;
}

const char *vs_error_kind_name(vs_error_kind k)
{
	switch (k) {
	case VS_OK: return "ok";
	case VS_ERR_NETWORK: return "network";
	case VS_ERR_TLS: return "tls";
	case VS_ERR_LOGIN: return "login";
	case VS_ERR_FAULT: return "fault";
	case VS_ERR_PARSE: return "parse";
	case VS_ERR_TIMEOUT: return "timeout";
	case VS_ERR_CANCELLED: return "cancelled";
	case VS_ERR_USAGE: return "usage";
	}
	return "unknown";
}
