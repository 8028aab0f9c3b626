/* Shared bits of the libFuzzer harnesses (tests/fuzz/README.md). Header-only: each harness is
 * one translation unit. */
#ifndef QUIESCENT_FUZZ_H
#define QUIESCENT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A NUL-terminated heap copy of the input (the text parsers take C strings). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* libxml2 prints parse errors of readers without a handler to stderr: keep the fuzzer quiet. */
static inline void fuzz_xml_quiet(void *ctx, const char *msg, ...)
{
}

static inline void fuzz_xml_init(void)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, fuzz_xml_quiet);
}

#endif
