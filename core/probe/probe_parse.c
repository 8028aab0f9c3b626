#include "probe/probe_parse.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "util/text.h"
#include "util/xalloc.h"
#include "util/errbuf.h"

#define QUOTE_MAX 80     /* guest text quoted in an error */
#define EVIDENCE_NAMES 16 /* names listed in an evidence string before "and N more" */

/* ---- small text helpers: everything works on (pointer, length), never past the end ---- */

typedef struct {
	const char *p;
	const char *end;
} line_iter;

static void iter_init(line_iter *it, const char *text, size_t len)
{
	it->p = text;
	it->end = text + len;
}

/* Next line without its '\n' and trailing '\r's; *terminated says whether a '\n' ended it
 * (an unterminated last line may have been cut mid-way). */
static bool next_line(line_iter *it, const char **s, size_t *n, bool *terminated)
{
	if (it->p >= it->end)
		return false;
	const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	const char *stop = nl ? nl : it->end;
	*s = it->p;
	*n = (size_t)(stop - it->p);
	while (*n > 0 && (*s)[*n - 1] == '\r')
		(*n)--;
	if (terminated)
		*terminated = nl != NULL;
	it->p = nl ? nl + 1 : it->end;
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*s)[*n - 1]))
		(*n)--;
}

static size_t rtrim_len(const char *s, size_t n)
{
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	return n;
}

static bool all_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_blank(s[i]))
			return false;
	return true;
}

static bool ieq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	if (n != l)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != tolower((unsigned char)lit[i]))
			return false;
	return true;
}

static bool starts_with(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && memcmp(s, lit, l) == 0;
}

static const char *find(const char *s, size_t n, const char *lit)
{
	return memmem(s, n, lit, strlen(lit));
}

/* Copies guest text for messages and evidence: control characters (a terminal escape in a
 * writer name would reach the console) become '?' (tabs and newlines a space), and it is cut
 * at max bytes on a UTF-8 boundary. max 0: no limit. */
static char *clean_dup(const char *s, size_t n, size_t max)
{
	bool cut = false;
	if (max && n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		cut = true;
	}
	strbuf d;
	strbuf_init(&d);
	text_escape(&d, s, n, TEXT_PLAIN);   /* C0, C1, broken UTF-8: util/text.h */
	if (cut)
		strbuf_adds(&d, "...");
	return strbuf_detach(&d, NULL);
}

/* Guest text quoted in an error clause: cleaned, shortened, and without a final period so the
 * clause can end a sentence. */
static char *quote(const char *s, size_t n)
{
	trim(&s, &n);
	while (n > 0 && s[n - 1] == '.')
		n--;
	return clean_dup(s, n, QUOTE_MAX);
}

static void clear_err(char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
}

/* strlen bounded by PROBE_MAX_TEXT, so a huge or unterminated-looking input is refused
 * without reading all of it. */
static bool text_len(const char *text, size_t *len, const char *what, char *err, size_t errlen)
{
	if (!text) {
		errbuf_set(err, errlen, "no %s output", what);
		return false;
	}
	*len = strnlen(text, PROBE_MAX_TEXT + 1);
	if (*len > PROBE_MAX_TEXT) {
		errbuf_set(err, errlen, "%s output is larger than %zu bytes", what, PROBE_MAX_TEXT);
		return false;
	}
	return true;
}

/* Splits "KEY   : value" at the first ':'; both parts trimmed. */
static bool key_value(const char *s, size_t n, const char **k, size_t *kn,
		      const char **v, size_t *vn)
{
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return false;
	*k = s;
	*kn = (size_t)(colon - s);
	*v = colon + 1;
	*vn = n - *kn - 1;
	trim(k, kn);
	trim(v, vn);
	return true;
}

/* Leading decimal number of at most 5 digits (no overflow); advances past it. */
static bool leading_number(const char **s, size_t *n, long *out)
{
	size_t i = 0;
	long v = 0;
	while (i < *n && i < 6 && isdigit((unsigned char)(*s)[i]))
		v = v * 10 + ((*s)[i++] - '0');
	if (i == 0 || i > 5)
		return false;
	*out = v;
	*s += i;
	*n -= i;
	return true;
}

/* First non-blank line of a text, for "unrecognised output: '...'" messages. */
static char *first_line(const char *text, size_t len)
{
	line_iter it;
	const char *s;
	size_t n;
	iter_init(&it, text, len);
	while (next_line(&it, &s, &n, NULL)) {
		trim(&s, &n);
		if (n)
			return quote(s, n);
	}
	return xstrdup("");
}

static void unrecognised(const char *what, const char *text, size_t len, char *err, size_t errlen)
{
	if (all_blank(text, len)) {
		errbuf_set(err, errlen, "%s printed nothing", what);
		return;
	}
	char *q = first_line(text, len);
	errbuf_set(err, errlen, "unrecognised %s output '%s'", what, q);
	free(q);
}

/* ---- sc query / sc qc ---- */

static const char *const state_names[] = {
	NULL, "STOPPED", "START_PENDING", "STOP_PENDING", "RUNNING",
	"CONTINUE_PENDING", "PAUSE_PENDING", "PAUSED",
};
static const char *const start_names[] = {
	"BOOT_START", "SYSTEM_START", "AUTO_START", "DEMAND_START", "DISABLED",
};

typedef struct {
	bool failed;            /* "[SC] ... FAILED <code>:" */
	long code;
	char *failed_msg;       /* the line after it, "Access is denied." */
	bool service_name;      /* "SERVICE_NAME:" seen: sc opened the service */
	const char *value;      /* the wanted key's value */
	size_t value_len;
	int n_values;
} sc_scan;

/* A "[SC] <API> <word> <code>:" line is a failure in every language: "FAILED 1060:",
 * "FEHLER 1060:", "ÉCHEC 1060 :", ": ошибка: 1060:", "失敗 1060:". A success line ("SUCCESS",
 * "ERFOLG", "成功") ends without a number. *code is -1 for an English FAILED without one. */
static bool sc_failure_code(const char *s, size_t n, long *code)
{
	n = rtrim_len(s, n);
	if (n && s[n - 1] == ':') {
		n = rtrim_len(s, n - 1);
		size_t d = n;
		while (d > 0 && isdigit((unsigned char)s[d - 1]))
			d--;
		if (d < n && n - d <= 5 && d > 0 && (is_blank(s[d - 1]) || s[d - 1] == ':')) {
			const char *p = s + d;
			size_t pn = n - d;
			return leading_number(&p, &pn, code);
		}
	}
	if (find(s, n, " FAILED")) {
		*code = -1;
		return true;
	}
	return false;
}

/* Whether a value reads "<number>  <NAME>" with NAME one of names[lo..hi] (the API's constant,
 * which sc prints in English in every language). */
static bool value_names_one_of(const char *v, size_t vn, const char *const *names, long lo,
			       long hi)
{
	long num;
	if (!leading_number(&v, &vn, &num))
		return false;
	trim(&v, &vn);
	size_t wn = 0;
	while (wn < vn && !is_blank(v[wn]))
		wn++;
	for (long i = lo; i <= hi; i++)
		if (names[i] && ieq(v, wn, names[i]))
			return true;
	return false;
}

/* sc's field names are localised ("STATUS", "ÉTAT", "ESTADO" for STATE; "STARTTYP" for
 * START_TYPE; "DIENSTNAME" for SERVICE_NAME), so the wanted line is found by its key in
 * English or by its value's shape ("4  RUNNING": a number and one of names[lo..hi]); the
 * service's name line by its place: the one key line that is not indented. */
static void sc_scan_text(const char *text, size_t len, const char *key, const char *const *names,
			 long lo, long hi, sc_scan *sc)
{
	line_iter it;
	const char *s;
	size_t n;
	bool want_msg = false;

	memset(sc, 0, sizeof *sc);
	iter_init(&it, text, len);
	while (next_line(&it, &s, &n, NULL)) {
		bool indented = n && is_blank(*s);
		trim(&s, &n);
		if (!n)
			continue;
		if (want_msg) {
			sc->failed_msg = quote(s, n);
			want_msg = false;
			continue;
		}
		if (starts_with(s, n, "[SC]")) {
			long code;
			if (!sc->failed && sc_failure_code(s, n, &code)) {
				sc->failed = true;
				sc->code = code;
				want_msg = true;
			}
			continue;
		}
		const char *k, *v;
		size_t kn, vn;
		if (!key_value(s, n, &k, &kn, &v, &vn))
			continue;
		bool one_word = kn && !memchr(k, ' ', kn);
		if (ieq(k, kn, "SERVICE_NAME") || (!indented && one_word && vn))
			sc->service_name = true;
		else if (ieq(k, kn, key) || (indented && one_word &&
					     value_names_one_of(v, vn, names, lo, hi))) {
			if (!sc->n_values++) {
				sc->value = v;
				sc->value_len = vn;
			}
		}
	}
}

/* "4  RUNNING" -> 4, checking the name when it is one we know (a localised name is accepted:
 * the number is the API value). Returns -1 on garbled text. */
static long sc_value(const char *v, size_t vn, const char *const *names, long lo, long hi)
{
	long num;
	if (!leading_number(&v, &vn, &num) || num < lo || num > hi)
		return -1;
	if (vn && !is_blank(*v))
		return -1;
	trim(&v, &vn);
	size_t wn = 0;
	while (wn < vn && !is_blank(v[wn]))
		wn++;
	if (!wn)
		return num;
	for (long i = lo; i <= hi; i++)
		if (ieq(v, wn, names[i]))
			return i == num ? num : -1;
	return num;
}

/* sc query and sc qc both learn whether the service exists; they must agree. */
static bool set_installed(svc_facts *out, tri v, char *err, size_t errlen)
{
	if (out->installed != TRI_UNKNOWN && out->installed != v) {
		out->installed = TRI_UNKNOWN;
		errbuf_set(err, errlen, "sc query and sc qc disagree on whether the service exists");
		return false;
	}
	out->installed = v;
	return true;
}

/* What the common sc failures mean, in the project's words (the guest's sentence is quoted
 * beside it, in its language). */
static const char *sc_code_meaning(long code)
{
	switch (code) {
	case 5:
		return "the guest account lacks the right to open the service";
	case 1722:
		return "the RPC server is unavailable";
	case 1115:
		return "Windows is shutting down";
	case 1717:
		return "the interface is unknown";
	}
	return NULL;
}

bool probe_sc_denied(const char *text)
{
	size_t len;
	sc_scan sc;
	if (!text || (len = strnlen(text, PROBE_MAX_TEXT + 1)) > PROBE_MAX_TEXT)
		return false;
	sc_scan_text(text, len, "STATE", state_names, 1, 7, &sc);
	free(sc.failed_msg);
	return sc.failed && sc.code == 5;
}

static bool sc_failure(const sc_scan *sc, svc_facts *out, char *err, size_t errlen)
{
	if (sc->code == 1060)
		return set_installed(out, TRI_NO, err, errlen);
	const char *meaning = sc_code_meaning(sc->code);
	if (meaning) {
		errbuf_set(err, errlen, "sc failed with error %ld%s%s%s: %s", sc->code,
			sc->failed_msg ? " (" : "", sc->failed_msg ? sc->failed_msg : "",
			sc->failed_msg ? ")" : "", meaning);
		return false;
	}
	if (sc->code < 0)
		errbuf_set(err, errlen, "sc failed%s%s%s", sc->failed_msg ? " (" : "",
			sc->failed_msg ? sc->failed_msg : "", sc->failed_msg ? ")" : "");
	else
		errbuf_set(err, errlen, "sc failed with error %ld%s%s%s", sc->code,
			sc->failed_msg ? " (" : "", sc->failed_msg ? sc->failed_msg : "",
			sc->failed_msg ? ")" : "");
	return false;
}

bool probe_parse_sc_query(const char *text, svc_facts *out, char *err, size_t errlen)
{
	size_t len;
	sc_scan sc;
	bool ok = false;

	clear_err(err, errlen);
	out->state = SVC_STATE_UNKNOWN;
	free(out->raw_state);
	out->raw_state = NULL;
	if (!text_len(text, &len, "sc query", err, errlen))
		return false;
	sc_scan_text(text, len, "STATE", state_names, 1, 7, &sc);
	if (sc.failed) {
		ok = sc_failure(&sc, out, err, errlen);
	} else if (sc.n_values > 1) {
		errbuf_set(err, errlen, "sc query printed more than one STATE");
	} else if (sc.n_values == 1) {
		long st = sc_value(sc.value, sc.value_len, state_names, 1, 7);
		if (st < 0) {
			char *q = quote(sc.value, sc.value_len);
			errbuf_set(err, errlen, "sc query printed an unknown STATE '%s'", q);
			free(q);
		} else if (set_installed(out, TRI_YES, err, errlen)) {
			out->state = (svc_state)st; /* the enum follows the Windows numbers */
			out->raw_state = clean_dup(sc.value, sc.value_len, QUOTE_MAX);
			ok = true;
		}
	} else if (sc.service_name) {
		set_installed(out, TRI_YES, err, errlen);
		errbuf_set(err, errlen, "sc query printed no STATE (output cut off?)");
	} else {
		unrecognised("sc query", text, len, err, errlen);
	}
	free(sc.failed_msg);
	return ok;
}

bool probe_parse_sc_qc(const char *text, svc_facts *out, char *err, size_t errlen)
{
	size_t len;
	sc_scan sc;
	bool ok = false;

	clear_err(err, errlen);
	out->start = SVC_START_UNKNOWN;
	if (!text_len(text, &len, "sc qc", err, errlen))
		return false;
	sc_scan_text(text, len, "START_TYPE", start_names, 0, 4, &sc);
	if (sc.failed) {
		ok = sc_failure(&sc, out, err, errlen);
	} else if (sc.n_values > 1) {
		errbuf_set(err, errlen, "sc qc printed more than one START_TYPE");
	} else if (sc.n_values == 1) {
		long st = sc_value(sc.value, sc.value_len, start_names, 0, 4);
		if (st < 0) {
			char *q = quote(sc.value, sc.value_len);
			errbuf_set(err, errlen, "sc qc printed an unknown START_TYPE '%s'", q);
			free(q);
		} else if (set_installed(out, TRI_YES, err, errlen)) {
			out->start = (svc_start)(st + 1); /* SVC_START_BOOT is 1, BOOT_START is 0 */
			ok = true;
		}
	} else if (sc.service_name) {
		set_installed(out, TRI_YES, err, errlen);
		errbuf_set(err, errlen, "sc qc printed no START_TYPE (output cut off?)");
	} else {
		unrecognised("sc qc", text, len, err, errlen);
	}
	free(sc.failed_msg);
	return ok;
}

/* ---- vssadmin list writers ---- */

void probe_writers_free(vss_writer *w, size_t n)
{
	if (!w)
		return;
	for (size_t i = 0; i < n; i++) {
		free(w[i].name);
		free(w[i].id);
		free(w[i].instance_id);
		free(w[i].state_text);
		free(w[i].last_error_text);
	}
	free(w);
}

/* VSS_WRITER_STATE: 1 STABLE; 2..5 WAITING_FOR_FREEZE/THAW/POST_SNAPSHOT/BACKUP_COMPLETE are
 * all "a backup is in progress, not stable", one enumerator is enough for R16; 6..15
 * FAILED_AT_*; 0 UNKNOWN and anything newer are reported as OTHER (known, not stable). */
static writer_state writer_state_of(long num)
{
	if (num == 1)
		return WRITER_STABLE;
	if (num >= 2 && num <= 5)
		return WRITER_WAITING_FOR_COMPLETION;
	if (num >= 6 && num <= 15)
		return WRITER_FAILED;
	return WRITER_OTHER;
}

/* vssadmin's "Last error" words in every language the project ships (the lab's locales), as
 * Windows prints them, with the variants real captures show. Anything else is OTHER, never
 * "no error". */
static const struct {
	writer_error err;
	const char *word;
} last_error_words[] = {
	{ WRITER_ERR_NONE, "No error" },
	{ WRITER_ERR_RETRYABLE, "Retryable error" },
	{ WRITER_ERR_NON_RETRYABLE, "Non-retryable error" },
	{ WRITER_ERR_TIMEOUT, "Timed out" },
	/* de-DE */
	{ WRITER_ERR_NONE, "Kein Fehler" },
	{ WRITER_ERR_RETRYABLE, "Wiederholbarer Fehler" },
	{ WRITER_ERR_NON_RETRYABLE, "Nicht wiederholbarer Fehler" },
	{ WRITER_ERR_TIMEOUT, "Zeitüberschreitung" },
	/* fr-FR */
	{ WRITER_ERR_NONE, "Aucune erreur" },
	{ WRITER_ERR_RETRYABLE, "Erreur récupérable" },
	{ WRITER_ERR_NON_RETRYABLE, "Erreur non récupérable" },
	{ WRITER_ERR_TIMEOUT, "Délai dépassé" },
	/* es-ES */
	{ WRITER_ERR_NONE, "Sin error" },
	{ WRITER_ERR_NONE, "Sin errores" },
	{ WRITER_ERR_RETRYABLE, "Error reintentable" },
	{ WRITER_ERR_NON_RETRYABLE, "Error no reintentable" },
	{ WRITER_ERR_TIMEOUT, "Tiempo de espera agotado" },
	/* it-IT */
	{ WRITER_ERR_NONE, "Nessun errore" },
	{ WRITER_ERR_RETRYABLE, "Errore ripetibile" },
	{ WRITER_ERR_NON_RETRYABLE, "Errore non ripetibile" },
	{ WRITER_ERR_TIMEOUT, "Timeout" },
	/* pt-BR */
	{ WRITER_ERR_NONE, "Nenhum erro" },
	{ WRITER_ERR_RETRYABLE, "Erro repetível" },
	{ WRITER_ERR_NON_RETRYABLE, "Erro não repetível" },
	{ WRITER_ERR_TIMEOUT, "Tempo limite esgotado" },
	/* nl-NL */
	{ WRITER_ERR_NONE, "Geen fout" },
	{ WRITER_ERR_RETRYABLE, "Fout, opnieuw proberen mogelijk" },
	{ WRITER_ERR_NON_RETRYABLE, "Fout, opnieuw proberen niet mogelijk" },
	{ WRITER_ERR_TIMEOUT, "Time-out" },
	/* pl-PL */
	{ WRITER_ERR_NONE, "Brak błędów" },
	{ WRITER_ERR_NONE, "Brak błędu" },
	{ WRITER_ERR_RETRYABLE, "Błąd z możliwością ponowienia" },
	{ WRITER_ERR_NON_RETRYABLE, "Błąd bez możliwości ponowienia" },
	{ WRITER_ERR_TIMEOUT, "Upłynął limit czasu" },
	/* ru-RU */
	{ WRITER_ERR_NONE, "Нет ошибок" },
	{ WRITER_ERR_RETRYABLE, "Повторяемая ошибка" },
	{ WRITER_ERR_NON_RETRYABLE, "Неповторяемая ошибка" },
	{ WRITER_ERR_TIMEOUT, "Время ожидания истекло" },
	/* ja-JP */
	{ WRITER_ERR_NONE, "エラーなし" },
	{ WRITER_ERR_RETRYABLE, "再試行可能なエラー" },
	{ WRITER_ERR_NON_RETRYABLE, "再試行できないエラー" },
	{ WRITER_ERR_TIMEOUT, "タイムアウト" },
	/* zh-CN */
	{ WRITER_ERR_NONE, "无错误" },
	{ WRITER_ERR_RETRYABLE, "可重试的错误" },
	{ WRITER_ERR_NON_RETRYABLE, "不可重试的错误" },
	{ WRITER_ERR_TIMEOUT, "已超时" },
	/* ko-KR */
	{ WRITER_ERR_NONE, "오류 없음" },
	{ WRITER_ERR_RETRYABLE, "다시 시도할 수 있는 오류" },
	{ WRITER_ERR_NON_RETRYABLE, "다시 시도할 수 없는 오류" },
	{ WRITER_ERR_TIMEOUT, "시간 초과" },
};

/* The writer-error HRESULTs (vsserror.h), where a text prints one. */
static const struct {
	writer_error err;
	const char *hr;
} last_error_hresults[] = {
	{ WRITER_ERR_RETRYABLE, "0x800423f3" },
	{ WRITER_ERR_NON_RETRYABLE, "0x800423f4" },
	{ WRITER_ERR_TIMEOUT, "0x800423f2" },
	{ WRITER_ERR_OTHER, "0x800423f0" }, /* inconsistent shadow copy */
	{ WRITER_ERR_OTHER, "0x800423f1" }, /* out of resources */
};

static bool icontains(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	for (size_t i = 0; l <= n && i <= n - l; i++)
		if (ieq(s + i, l, lit))
			return true;
	return false;
}

static writer_error writer_error_of(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof last_error_hresults / sizeof last_error_hresults[0]; i++)
		if (icontains(s, n, last_error_hresults[i].hr))
			return last_error_hresults[i].err;
	while (n > 0 && s[n - 1] == '.')
		n--;
	for (size_t i = 0; i < sizeof last_error_words / sizeof last_error_words[0]; i++)
		if (ieq(s, n, last_error_words[i].word))
			return last_error_words[i].err;
	return WRITER_ERR_OTHER; /* Inconsistent shadow copy, Unexpected error, Out of resources */
}

/* The label of vssadmin's error line ("Error: ...") in every shipped language. */
static const char *const error_labels[] = {
	"Error", "Fehler", "Erreur", "Errore", "Erro", "Fout", "Błąd", "Ошибка", "エラー", "错误",
	"오류",
};

/* Words of vssadmin's refusal for an account without an elevated token ("You don't have the
 * correct permissions ..."), in every shipped language, and E_ACCESSDENIED. */
static const char *const denied_words[] = {
	"correct permissions", "0x80070005", "Berechtigungen", "autorisations", "permisos",
	"autorizzazioni", "permissões", "machtigingen", "uprawnień", "разрешений",
	"アクセス許可", "权限", "권한",
};

/* Words of "A Volume Shadow Copy Service component encountered an unexpected error" (what
 * vssadmin says when the VSS service is disabled) and the HRESULT of a disabled service. */
static const char *const unexpected_words[] = {
	"unexpected error", "0x80070422", "Unerwarteter Fehler", "erreur inattendue",
	"error inesperado", "errore imprevisto", "erro inesperado", "onverwachte fout",
	"nieoczekiwany błąd", "непредвиденная ошибка", "予期しないエラー", "意外错误",
	"예기치 않은 오류",
};

static bool any_word(const char *s, size_t n, const char *const *words, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (icontains(s, n, words[i]))
			return true;
	return false;
}

/* One non-blank line, trimmed, and the value after its first ':' (ASCII or full-width). */
typedef struct {
	const char *s, *k, *v;
	size_t n, kn, vn;
	bool kv, terminated;
} vline;

static bool next_vline(line_iter *it, vline *l)
{
	const char *s;
	size_t n;
	bool term;
	while (next_line(it, &s, &n, &term)) {
		trim(&s, &n);
		if (!n)
			continue;
		memset(l, 0, sizeof *l);
		l->s = s;
		l->n = n;
		l->terminated = term;
		const char *c = memchr(s, ':', n);
		const char *fw = find(s, n, "\xEF\xBC\x9A"); /* U+FF1A FULLWIDTH COLON */
		size_t cl = 1;
		if (fw && (!c || fw < c)) {
			c = fw;
			cl = 3;
		}
		if (c) {
			l->kv = true;
			l->k = s;
			l->kn = (size_t)(c - s);
			l->v = c + cl;
			l->vn = n - l->kn - cl;
			trim(&l->k, &l->kn);
			trim(&l->v, &l->vn);
		}
		return true;
	}
	return false;
}

static bool is_hex(char c)
{
	return isxdigit((unsigned char)c) != 0;
}

/* {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx} */
static bool guid_shape(const char *v, size_t n)
{
	if (n != 38 || v[0] != '{' || v[37] != '}')
		return false;
	for (size_t i = 1; i < 37; i++) {
		bool dash = i == 9 || i == 14 || i == 19 || i == 24;
		if (dash ? v[i] != '-' : !is_hex(v[i]))
			return false;
	}
	return true;
}

/* [N] words -> N; -1 when the value does not have that shape. */
static long state_shape(const char *v, size_t n)
{
	long num;
	if (!n || *v != '[')
		return -1;
	v++;
	n--;
	if (!leading_number(&v, &n, &num) || !n || *v != ']')
		return -1;
	return num;
}

static bool is_guid_line(const vline *l)
{
	return l->kv && guid_shape(l->v, l->vn);
}

/* A writer's name without vssadmin's quotes ('x', "x", „x“, «x», “x”, 「x」). */
static void unquote_name(const char **v, size_t *vn)
{
	static const char *const pairs[][2] = {
		{ "'", "'" }, { "\"", "\"" }, { "\xE2\x80\x9E", "\xE2\x80\x9C" },
		{ "\xC2\xAB", "\xC2\xBB" }, { "\xE2\x80\x9C", "\xE2\x80\x9D" },
		{ "\xE3\x80\x8C", "\xE3\x80\x8D" },
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		size_t a = strlen(pairs[i][0]), b = strlen(pairs[i][1]);
		if (*vn >= a + b && memcmp(*v, pairs[i][0], a) == 0 &&
		    memcmp(*v + *vn - b, pairs[i][1], b) == 0) {
			*v += a;
			*vn -= a + b;
			return;
		}
	}
}

static bool is_error_line(const vline *l)
{
	if (!l->kv)
		return false;
	for (size_t i = 0; i < sizeof error_labels / sizeof error_labels[0]; i++)
		if (ieq(l->k, l->kn, error_labels[i]))
			return true;
	return false;
}

/* The vssadmin error line of a text (first line "Error: ..." in any shipped language). */
static bool vss_error_line(const char *text, size_t len, vline *out)
{
	line_iter it;
	iter_init(&it, text, len);
	while (next_vline(&it, out))
		if (is_error_line(out))
			return true;
	return false;
}

bool probe_vssadmin_denied(const char *text)
{
	size_t len;
	vline l;
	if (!text || (len = strnlen(text, PROBE_MAX_TEXT + 1)) > PROBE_MAX_TEXT)
		return false;
	if (!vss_error_line(text, len, &l))
		return false;
	/* the refusal may run over two lines: look at the rest of the output too */
	const char *rest = l.v;
	return any_word(rest, (size_t)(text + len - rest), denied_words,
			sizeof denied_words / sizeof denied_words[0]);
}

bool probe_parse_vssadmin_writers(const char *text, vss_writer **out, size_t *n,
				  char *err, size_t errlen)
{
	size_t len, cap = 0, count = 0;
	vss_writer *w = NULL;
	line_iter it;
	vline l, first_other = { 0 };
	bool ok = false, banner = false;

	*out = NULL;
	*n = 0;
	clear_err(err, errlen);
	if (!text_len(text, &len, "vssadmin", err, errlen))
		return false;
	/* A writer block is five `label : value` lines, found by the shapes of their values
	 * ('name', {GUID}, {GUID}, [N] words, words), whatever the language of the labels;
	 * blank lines, the banner and "Waiting for responses" lines may come before. */
	iter_init(&it, text, len);
	while (next_vline(&it, &l)) {
		line_iter peek = it;
		vline nx;
		bool starts = l.kv && l.vn && next_vline(&peek, &nx) && is_guid_line(&nx);
		if (!starts) {
			if (count) {
				char *q = quote(l.s, l.n);
				errbuf_set(err, errlen, "vssadmin printed an unexpected line '%s' after writer '%s'",
					q, w[count - 1].name);
				free(q);
				goto out;
			}
			if (starts_with(l.s, l.n, "vssadmin ") || starts_with(l.s, l.n, "(C)"))
				banner = true;
			else if (!first_other.s)
				first_other = l;
			continue;
		}
		if (count == PROBE_MAX_WRITERS) {
			errbuf_set(err, errlen, "vssadmin listed more than %d writers", PROBE_MAX_WRITERS);
			goto out;
		}
		const char *nv = l.v;
		size_t nvn = l.vn;
		unquote_name(&nv, &nvn);
		if (!nvn) {
			errbuf_set(err, errlen, "vssadmin printed a writer without a name");
			goto out;
		}
		w = xgrow(w, &cap, count + 1, sizeof *w);
		memset(&w[count], 0, sizeof *w);
		vss_writer *cur = &w[count++];
		cur->name = clean_dup(nv, nvn, 0);
		vline f[4];
		for (int i = 0; i < 4; i++) {
			if (!next_vline(&it, &f[i])) {
				errbuf_set(err, errlen, "vssadmin output ends inside the block of writer '%s'",
					cur->name);
				goto out;
			}
			if (!f[i].terminated) {
				/* The last line has no line end: its value may be cut mid-way. */
				errbuf_set(err, errlen, "vssadmin output is cut off in the middle of a line");
				goto out;
			}
			line_iter p2 = it;
			vline after;
			/* a next writer's name where a field was due: the block is short */
			bool next_block = f[i].kv && f[i].vn && !guid_shape(f[i].v, f[i].vn) &&
					  next_vline(&p2, &after) && is_guid_line(&after);
			bool good = f[i].kv && f[i].vn && !next_block;
			if (good && i < 2)
				good = guid_shape(f[i].v, f[i].vn);
			else if (good && i == 2)
				good = state_shape(f[i].v, f[i].vn) >= 0;
			if (!good) {
				if (next_block)
					errbuf_set(err, errlen, "vssadmin printed an incomplete block for writer '%s'",
						cur->name);
				else {
					char *q = quote(f[i].s, f[i].n);
					errbuf_set(err, errlen, "vssadmin printed an unexpected line '%s' for writer '%s'",
						q, cur->name);
					free(q);
				}
				goto out;
			}
		}
		cur->id = clean_dup(f[0].v, f[0].vn, 0);
		cur->instance_id = clean_dup(f[1].v, f[1].vn, 0);
		cur->state_text = clean_dup(f[2].v, f[2].vn, 0);
		cur->state = writer_state_of(state_shape(f[2].v, f[2].vn));
		cur->last_error_text = clean_dup(f[3].v, f[3].vn, 0);
		cur->last_error = writer_error_of(f[3].v, f[3].vn);
	}
	if (!count) {
		vline e;
		if (vss_error_line(text, len, &e)) {
			char *q = quote(e.v, e.vn);
			const char *rest = e.v;
			size_t rn = (size_t)(text + len - rest);
			if (any_word(rest, rn, denied_words, sizeof denied_words / sizeof denied_words[0]))
				errbuf_set(err, errlen, "vssadmin failed: '%s' (the guest account has no "
					"elevated administrator token)", q);
			else if (any_word(rest, rn, unexpected_words,
					  sizeof unexpected_words / sizeof unexpected_words[0]))
				errbuf_set(err, errlen, "vssadmin failed: '%s' (the Volume Shadow Copy "
					"service is probably disabled; see the Application event log)", q);
			else
				errbuf_set(err, errlen, "vssadmin failed: '%s'", q);
			free(q);
		} else if (first_other.s) {
			/* Every Windows has system writers: none listed means vssadmin did not work. */
			char *q = quote(first_other.s, first_other.n);
			if (banner)
				errbuf_set(err, errlen, "vssadmin listed no writer; it printed '%s'", q);
			else
				errbuf_set(err, errlen, "unrecognised vssadmin output '%s'", q);
			free(q);
		} else if (banner) {
			errbuf_set(err, errlen, "vssadmin listed no writer");
		} else {
			unrecognised("vssadmin", text, len, err, errlen);
		}
		goto out;
	}
	ok = true;
out:
	if (!ok) {
		probe_writers_free(w, count);
		return false;
	}
	*out = w;
	*n = count;
	return true;
}

/* ---- tools.conf ---- */

static bool parse_bool(const char *v, size_t vn, tri *out)
{
	if (ieq(v, vn, "true") || ieq(v, vn, "1") || ieq(v, vn, "yes"))
		*out = TRI_YES;
	else if (ieq(v, vn, "false") || ieq(v, vn, "0") || ieq(v, vn, "no"))
		*out = TRI_NO;
	else
		return false;
	return true;
}

bool probe_parse_tools_conf(const char *text, tri *disable_app_quiescing, tri *enable_vss,
			    char *err, size_t errlen)
{
	size_t len, lineno = 0;
	line_iter it;
	const char *s;
	size_t n;
	bool in_vmbackup = false, seen = false; /* seen: an INI line came before */
	tri dis = TRI_UNKNOWN, ena = TRI_UNKNOWN;

	*disable_app_quiescing = TRI_UNKNOWN;
	*enable_vss = TRI_UNKNOWN;
	clear_err(err, errlen);
	if (!text_len(text, &len, "tools.conf", err, errlen))
		return false;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3; /* UTF-8 BOM written by Notepad */
		len -= 3;
	}

	/* `type` of a missing file or folder: no tools.conf, Tools uses its defaults. */
	const char *t = text;
	size_t tn = len;
	trim(&t, &tn);
	if (ieq(t, tn, PROBE_TOOLS_CONF_ABSENT) ||
	    ieq(t, tn, "The system cannot find the path specified.") ||
	    ieq(t, tn, "The system cannot find the file specified."))
		return true;

	iter_init(&it, text, len);
	while (next_line(&it, &s, &n, NULL)) {
		lineno++;
		trim(&s, &n);
		if (!n)
			continue;
		if (s[0] == '#' || s[0] == ';') {
			seen = true;
			continue;
		}
		if (s[0] == '[') {
			if (s[n - 1] != ']')
				goto not_ini;
			const char *name = s + 1;
			size_t nn = n - 2;
			trim(&name, &nn);
			in_vmbackup = ieq(name, nn, "vmbackup");
			seen = true;
			continue;
		}
		const char *eq = memchr(s, '=', n);
		if (!eq || eq == s)
			goto not_ini;
		seen = true;
		if (!in_vmbackup)
			continue;
		const char *k = s, *v = eq + 1;
		size_t kn = (size_t)(eq - s), vn = n - kn - 1;
		trim(&k, &kn);
		trim(&v, &vn);
		tri *dst = NULL;
		if (ieq(k, kn, "vss.disableAppQuiescing"))
			dst = &dis;
		else if (ieq(k, kn, "enableVSS"))
			dst = &ena;
		if (dst && !parse_bool(v, vn, dst)) {
			/* Tools would not read it as a boolean either: its effect is unknown. An
			 * inline comment ("true # x") lands here too, as it does for Tools. */
			char *qk = quote(k, kn), *qv = quote(v, vn);
			errbuf_set(err, errlen, "tools.conf [vmbackup] %s has the value '%s', not a boolean",
				qk, qv);
			free(qk);
			free(qv);
			return false;
		}
	}
	*disable_app_quiescing = dis;
	*enable_vss = ena;
	return true;

not_ini:
	/* Either a `type` error ("Access is denied.") or a file Tools cannot load either. */
	{
		char *q = quote(s, n);
		if (!seen)
			errbuf_set(err, errlen, "could not read tools.conf: '%s'", q);
		else
			errbuf_set(err, errlen, "tools.conf line %zu is not INI: '%s'", lineno, q);
		free(q);
	}
	return false;
}

/* ---- diskpart ---- */

/* Where "Disk" starts in a disk row ("  Disk 1 ..." or "* Disk 1 ..." for the selected disk),
 * and the disk number; false when the line is not a disk row. */
static bool disk_row(const char *s, size_t n, size_t *at, long *num)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	if (i < n && s[i] == '*') {
		i++;
		while (i < n && s[i] == ' ')
			i++;
	}
	if (!starts_with(s + i, n - i, "Disk "))
		return false;
	const char *p = s + i + 5;
	size_t pn = n - i - 5;
	if (!leading_number(&p, &pn, num))
		return false;
	*at = i;
	return true;
}

static char *list_evidence(const char *prefix, const char *suffix, char **names, size_t count)
{
	strbuf sb;
	strbuf_init(&sb);
	strbuf_adds(&sb, prefix);
	for (size_t i = 0; i < count && i < EVIDENCE_NAMES; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", names[i]);
	if (count > EVIDENCE_NAMES)
		strbuf_addf(&sb, " and %zu more", count - EVIDENCE_NAMES);
	strbuf_adds(&sb, suffix);
	return strbuf_detach(&sb, NULL);
}

static void free_names(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* ---- diskpart in any language: by its columns ----
 * Localised diskpart names its columns and rows in the guest's words ("Datenträger ###",
 * "N° disque", "ディスク ###") but keeps the layout: a line of six dash groups under the titles
 * (###, status, size, free, dyn, gpt) and one row per disk whose cells sit under them, in
 * console columns (an East Asian wide character takes two). */

/* One UTF-8 character at s (n > 0): its code point and length; an invalid byte is 1 byte. */
static size_t utf8_char(const char *s, size_t n, uint32_t *cp)
{
	unsigned char c = (unsigned char)s[0];
	size_t l = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 :
		   (c & 0xF8) == 0xF0 ? 4 : 0;
	if (!l || l > n) {
		*cp = 0xFFFD;
		return 1;
	}
	uint32_t v = l == 1 ? c : c & (0x7F >> l);
	for (size_t i = 1; i < l; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		v = (v << 6) | ((unsigned char)s[i] & 0x3F);
	}
	*cp = v;
	return l;
}

static size_t cp_columns(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
	       (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
	       (c >= 0xFFE0 && c <= 0xFFE6) ? 2 : 1;
}

typedef struct {
	size_t from, to; /* console columns [from, to) */
} col_span;

/* A line of exactly six groups of dashes (diskpart's underline of the titles). */
static bool dash_line(const char *s, size_t n, col_span sp[6])
{
	size_t groups = 0, i = 0;
	n = rtrim_len(s, n);
	if (!n)
		return false;
	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			break;
		if (s[i] != '-')
			return false;
		size_t from = i;
		while (i < n && s[i] == '-')
			i++;
		if (groups == 6)
			return false;
		sp[groups].from = from;
		sp[groups].to = i;
		groups++;
	}
	return groups == 6;
}

/* The text under span sp of a row (characters starting inside it), trimmed; *cols gets the
 * row's width in columns. */
static void row_cell(const char *s, size_t n, col_span sp, const char **c, size_t *cn,
		     size_t *cols)
{
	size_t col = 0, i = 0;
	const char *from = NULL, *to = NULL;
	while (i < n) {
		uint32_t cp;
		size_t l = utf8_char(s + i, n - i, &cp);
		if (col >= sp.from && col < sp.to) {
			if (!from)
				from = s + i;
			to = s + i + l;
		}
		col += cp_columns(cp);
		i += l;
	}
	*cols = col;
	*c = from ? from : s;
	*cn = from ? (size_t)(to - from) : 0;
	trim(c, cn);
}

/* Trailing number of a cell ("Datenträger 3" -> 3); -1 when there is none. */
static long trailing_number(const char *s, size_t n)
{
	size_t d = n;
	while (d > 0 && isdigit((unsigned char)s[d - 1]))
		d--;
	if (d == n || n - d > 5 || (d > 0 && !is_blank(s[d - 1])))
		return -1;
	const char *p = s + d;
	size_t pn = n - d;
	long v;
	return leading_number(&p, &pn, &v) ? v : -1;
}

/* Where a row's Dyn cell is. diskpart pads its cells to the English widths, so a longer size
 * ("465 Gбайт  1024 Kбайт" in Russian) pushes the cells after it to the right by as much:
 * the Dyn span moves with the end of the row's Free cell, found by its shape (the last
 * number of the row and the unit after it). */
static col_span dyn_span(const char *s, size_t n, const col_span sp[6])
{
	size_t last_digit = n;
	for (size_t i = 0; i < n; i++)
		if (isdigit((unsigned char)s[i]))
			last_digit = i;
	size_t col = 0, i = 0, text_end = 0;
	int part = 0; /* 0 before the number's end, 1 blanks after it, 2 in the unit */
	while (i < n && last_digit < n) {
		uint32_t cp;
		size_t l = utf8_char(s + i, n - i, &cp);
		col += cp_columns(cp);
		bool blank = cp == ' ' || cp == '\t' || cp == '\r';
		if (i == last_digit) {
			text_end = col;
			part = 1;
		} else if (part == 1 && !blank) {
			part = 2;
		} else if (part == 2 && blank) {
			break;
		}
		if (part == 2)
			text_end = col;
		i += l;
	}
	col_span d = sp[4];
	if (text_end > sp[3].to) {
		d.from += text_end - sp[3].to;
		d.to += text_end - sp[3].to;
	}
	return d;
}

/* The end of both disk-table readers: the table's verdict from its rows (disks seen, the table
 * ended, the dynamic ones named); frees dyn. 1 when read, 0 with err set. */
static int diskpart_verdict(size_t disks, bool ended, char **dyn, size_t dyn_n, tri *dynamic,
			    char **evidence, char *err, size_t errlen)
{
	int ok = 0;
	if (!disks)
		errbuf_set(err, errlen, "diskpart listed no disk");
	else if (!ended)
		errbuf_set(err, errlen, "diskpart output ends inside the disk table (cut off?)");
	else if (dyn_n) {
		*dynamic = TRI_YES;
		*evidence = list_evidence("diskpart lists ", " as dynamic", dyn, dyn_n);
		ok = 1;
	} else {
		*dynamic = TRI_NO;
		*evidence = xasprintf("diskpart lists %zu disk%s, none dynamic", disks,
				      disks == 1 ? "" : "s");
		ok = 1;
	}
	free_names(dyn, dyn_n);
	return ok;
}

/* 1 parsed, 0 failed (err set), -1 no dash line at all (the caller explains). */
static int diskpart_by_columns(const char *text, size_t len, tri *dynamic, char **evidence,
			       char *err, size_t errlen)
{
	line_iter it;
	const char *s;
	size_t n;
	bool terminated, found = false, ended = false;
	col_span sp[6];
	iter_init(&it, text, len);
	while (!found && next_line(&it, &s, &n, NULL))
		found = dash_line(s, n, sp);
	if (!found)
		return -1;
	char **dyn = NULL;
	size_t dyn_n = 0, dyn_cap = 0, disks = 0;
	while (next_line(&it, &s, &n, &terminated)) {
		const char *t = s, *c;
		size_t tn = n, cn, cols;
		trim(&t, &tn);
		if (!tn || starts_with(t, tn, "DISKPART>")) {
			ended = true;
			break;
		}
		row_cell(s, n, sp[0], &c, &cn, &cols);
		long num = trailing_number(c, cn);
		if (num < 0) {
			if (!terminated)
				break; /* a cut-off fragment: not a whole row */
			char *q = quote(s, n);
			errbuf_set(err, errlen, "diskpart printed an unexpected row '%s'", q);
			free(q);
			goto fail;
		}
		if (!terminated || cols <= sp[3].from) {
			errbuf_set(err, errlen, "diskpart output is cut off in the row of Disk %ld", num);
			goto fail;
		}
		row_cell(s, n, dyn_span(s, n, sp), &c, &cn, &cols);
		if (cn > 1 || (cn == 1 && *c != '*')) {
			errbuf_set(err, errlen, "diskpart printed '%c' in the Dyn column of Disk %ld",
				isprint((unsigned char)*c) ? *c : '?', num);
			goto fail;
		}
		if (cn == 1) {
			dyn = xgrow(dyn, &dyn_cap, dyn_n + 1, sizeof *dyn);
			dyn[dyn_n++] = xasprintf("Disk %ld", num);
		}
		disks++;
	}
	return diskpart_verdict(disks, ended, dyn, dyn_n, dynamic, evidence, err, errlen);
fail:
	free_names(dyn, dyn_n);
	return 0;
}

bool probe_parse_diskpart(const char *text, tri *dynamic, char **evidence,
			  char *err, size_t errlen)
{
	size_t len;
	line_iter it;
	const char *s;
	size_t n;
	bool terminated;

	*dynamic = TRI_UNKNOWN;
	*evidence = NULL;
	clear_err(err, errlen);
	if (!text_len(text, &len, "diskpart", err, errlen))
		return false;

	/* The header gives the columns; every offset below is relative to where "Disk" starts,
	 * so the selected-disk marker or a prompt before the header cannot shift them. */
	size_t dyn_from = 0, dyn_to = 0, free_at = 0;
	bool header = false;
	iter_init(&it, text, len);
	while (next_line(&it, &s, &n, NULL)) {
		const char *h = find(s, n, "Disk ###");
		if (!h)
			continue;
		size_t h0 = (size_t)(h - s);
		const char *d = find(h, n - h0, " Dyn");
		const char *f = find(h, n - h0, " Free");
		if (!d || !f || f > d)
			break; /* a header without the columns we need: garbled */
		dyn_from = (size_t)(d + 1 - h);
		dyn_to = dyn_from + 3;
		free_at = (size_t)(f + 1 - h);
		header = true;
		break;
	}
	if (!header) {
		int r = diskpart_by_columns(text, len, dynamic, evidence, err, errlen);
		if (r >= 0)
			return r == 1;
		line_iter e;
		iter_init(&e, text, len);
		while (next_line(&e, &s, &n, NULL)) {
			trim(&s, &n);
			if (find(s, n, "rror") || find(s, n, "no fixed disks")) {
				char *q = quote(s, n);
				errbuf_set(err, errlen, "diskpart printed no disk table: '%s'", q);
				free(q);
				return false;
			}
		}
		if (all_blank(text, len))
			errbuf_set(err, errlen, "diskpart printed nothing");
		else
			errbuf_set(err, errlen, "diskpart printed no disk table with a Dyn column");
		return false;
	}

	/* The dashes line, when present, gives the exact Dyn column ("---"): diskpart centres
	 * the '*' in it. */
	line_iter peek = it;
	if (next_line(&peek, &s, &n, NULL)) {
		const char *first = memchr(s, '-', n);
		if (first && all_blank(s, (size_t)(first - s))) {
			size_t base = (size_t)(first - s), i = base;
			bool dashes = true;
			for (size_t j = 0; j < n; j++)
				if (s[j] != '-' && s[j] != ' ')
					dashes = false;
			while (dashes && i < n) {
				while (i < n && s[i] == ' ')
					i++;
				size_t from = i;
				while (i < n && s[i] == '-')
					i++;
				if (from - base <= dyn_from && dyn_from < i - base) {
					dyn_from = from - base;
					dyn_to = i - base;
				}
			}
			it = peek;
		}
	}

	char **dyn = NULL;
	size_t dyn_n = 0, dyn_cap = 0, disks = 0;
	bool ended = false;
	while (next_line(&it, &s, &n, &terminated)) {
		size_t at;
		long num;
		if (!disk_row(s, n, &at, &num)) {
			/* The table ends at the first other line; a cut-off fragment of a row does
			 * not end it, only a whole line or diskpart's prompt does. */
			const char *t = s;
			size_t tn = n;
			trim(&t, &tn);
			ended = terminated || starts_with(t, tn, "DISKPART>");
			break;
		}
		size_t rn = rtrim_len(s, n) - at;
		const char *row = s + at;
		if (!terminated || rn <= free_at) {
			errbuf_set(err, errlen, "diskpart output is cut off in the row of Disk %ld", num);
			goto fail;
		}
		bool star = false;
		for (size_t i = dyn_from; i < dyn_to && i < rn; i++) {
			if (row[i] == '*')
				star = true;
			else if (row[i] != ' ') {
				errbuf_set(err, errlen, "diskpart printed '%c' in the Dyn column of Disk %ld",
					isprint((unsigned char)row[i]) ? row[i] : '?', num);
				goto fail;
			}
		}
		if (star) {
			dyn = xgrow(dyn, &dyn_cap, dyn_n + 1, sizeof *dyn);
			dyn[dyn_n++] = xasprintf("Disk %ld", num);
		}
		disks++;
	}
	return diskpart_verdict(disks, ended, dyn, dyn_n, dynamic, evidence, err, errlen);
fail:
	free_names(dyn, dyn_n);
	return false;
}

/* ---- Get-StoragePool ---- */

bool probe_parse_storage_pools(const char *text, tri *spaces, char **evidence,
			       char *err, size_t errlen)
{
	size_t len;
	line_iter it;
	const char *s;
	size_t n;

	*spaces = TRI_UNKNOWN;
	*evidence = NULL;
	clear_err(err, errlen);
	if (!text_len(text, &len, "Get-StoragePool", err, errlen))
		return false;
	if (all_blank(text, len)) {
		/* Get-StoragePool -IsPrimordial $false prints nothing when there is no pool. */
		*spaces = TRI_NO;
		*evidence = xstrdup("Get-StoragePool lists no storage pool");
		return true;
	}
	/* CommandNotFoundException is PowerShell's error id in every language. */
	if ((find(text, len, "is not recognized") || find(text, len, "CommandNotFoundException")) &&
	    (find(text, len, "Get-StoragePool") || find(text, len, "'powershell'"))) {
		/* Before Windows 2012 (no Storage Spaces) the cmdlet, or PowerShell, is missing. */
		*spaces = TRI_NO;
		*evidence = xstrdup("Get-StoragePool does not exist in this guest");
		return true;
	}

	iter_init(&it, text, len);
	size_t col = 0, width = 0;
	bool header = false;
	while (next_line(&it, &s, &n, NULL)) {
		const char *t = s;
		size_t tn = n;
		trim(&t, &tn);
		if (!tn)
			continue;
		if (!starts_with(t, tn, "FriendlyName"))
			break;
		/* Windows PowerShell underlines only the label ("------------"), so the name
		 * column runs from its dashes to where the next column's dashes start. */
		if (!next_line(&it, &s, &n, NULL))
			break;
		const char *d = memchr(s, '-', n);
		if (!d || !all_blank(s, (size_t)(d - s)))
			break;
		col = (size_t)(d - s);
		size_t i = col;
		while (i < n && s[i] == '-')
			i++;
		while (i < n && s[i] == ' ')
			i++;
		width = (i < n ? i : SIZE_MAX) - col;
		header = true;
		break;
	}
	if (!header) {
		char *q = first_line(text, len);
		errbuf_set(err, errlen, "unrecognised Get-StoragePool output '%s'", q);
		free(q);
		return false;
	}

	char **names = NULL;
	size_t count = 0, cap = 0;
	while (next_line(&it, &s, &n, NULL)) {
		if (all_blank(s, n))
			break;
		const char *name = s + (col < n ? col : n);
		size_t nn = col < n ? n - col : 0;
		if (nn > width)
			nn = width;
		trim(&name, &nn);
		if (!nn) {
			char *q = quote(s, n);
			errbuf_set(err, errlen, "Get-StoragePool printed a row without a name: '%s'", q);
			free(q);
			free_names(names, count);
			return false;
		}
		names = xgrow(names, &cap, count + 1, sizeof *names);
		names[count++] = clean_dup(name, nn, QUOTE_MAX);
	}
	if (!count) {
		errbuf_set(err, errlen, "Get-StoragePool printed a table without rows (cut off?)");
		return false;
	}
	*spaces = TRI_YES;
	*evidence = list_evidence(count == 1 ? "storage pool " : "storage pools ", "", names,
				  count);
	free_names(names, count);
	return true;
}

/* ---- the chained output ---- */

probe_section *probe_split_sections(const char *text, size_t *n)
{
	probe_section *sec = NULL;
	size_t count = 0, cap = 0, len;
	const size_t mlen = strlen(PROBE_MARKER);
	line_iter it;
	const char *s;
	size_t sn;

	*n = 0;
	if (!text || (len = strnlen(text, PROBE_MAX_TEXT + 1)) > PROBE_MAX_TEXT)
		return NULL;
	iter_init(&it, text, len);
	while (next_line(&it, &s, &sn, NULL)) {
		const char *m = find(s, sn, PROBE_MARKER);
		if (!m)
			continue;
		if (count) /* the previous body runs to the marker, same-line text included */
			sec[count - 1].body_len = (size_t)(m - sec[count - 1].body);
		sec = xgrow(sec, &cap, count + 1, sizeof *sec);
		probe_section *cur = &sec[count++];
		cur->name = m + mlen;
		cur->name_len = rtrim_len(cur->name, sn - (size_t)(cur->name - s));
		cur->body = it.p;
		cur->body_len = 0;
	}
	if (count)
		sec[count - 1].body_len = (size_t)(text + len - sec[count - 1].body);
	*n = count;
	return sec;
}

static bool sec_named(const probe_section *sec, const char *name, size_t l)
{
	return sec->name_len == l && memcmp(sec->name, name, l) == 0;
}

/* A guest text holding a marker line (a forged or echoed "::quiescent:: x") makes a section
 * appear twice and cuts the section it sits in short. Flags both, so neither is trusted:
 * every copy of a repeated name, and the section just before its first copy. Linear in the
 * number of sections for each known name (a text full of markers must not be quadratic). */
static bool *suspect_sections(const probe_section *sec, size_t n, const char *const *names,
			      size_t n_names)
{
	bool *bad = xcalloc(n, sizeof *bad);
	for (size_t k = 0; k < n_names; k++) {
		size_t l = strlen(names[k]), first = 0, copies = 0;
		for (size_t i = 0; i < n; i++)
			if (sec_named(&sec[i], names[k], l) && !copies++)
				first = i;
		if (copies < 2)
			continue;
		for (size_t i = first; i < n; i++)
			if (sec_named(&sec[i], names[k], l))
				bad[i] = true;
		if (first > 0)
			bad[first - 1] = true;
	}
	return bad;
}

/* The body of the section called name, NUL-terminated (caller frees), or NULL with err. */
static char *section_text(const probe_section *sec, const bool *bad, size_t n, const char *name,
			  char *err, size_t errlen)
{
	const probe_section *found = NULL;
	size_t l = strlen(name), at = 0;
	for (size_t i = 0; i < n && !found; i++)
		if (sec_named(&sec[i], name, l)) {
			found = &sec[i];
			at = i;
		}
	if (!found) {
		errbuf_set(err, errlen, "no output (probe cut short?)");
		return NULL;
	}
	if (bad[at]) {
		bool repeated = false;
		for (size_t i = at + 1; i < n && !repeated; i++)
			repeated = sec_named(&sec[i], name, l);
		errbuf_set(err, errlen, repeated ? "printed more than once" :
			"its output holds another section's marker line");
		return NULL;
	}
	return xstrndup(found->body, found->body_len);
}

static void note(strbuf *errs, const char *name, const char *err)
{
	strbuf_addf(errs, "%s%s: %s", errs->len ? "; " : "", name, err);
}

static void svc_reset(svc_facts *f)
{
	free(f->raw_state);
	memset(f, 0, sizeof *f);
}

typedef bool (*svc_parser)(const char *, svc_facts *, char *, size_t);

bool probe_parse_all(const char *text, guest_probe *out)
{
	static const char *const svc_sections[3][2] = {
		{ PROBE_SEC_QUERY_VMVSS, PROBE_SEC_QC_VMVSS },
		{ PROBE_SEC_QUERY_LGTO, PROBE_SEC_QC_LGTO },
		{ PROBE_SEC_QUERY_VSS, PROBE_SEC_QC_VSS },
	};
	svc_facts *const svcs[3] = { &out->vmvss, &out->lgto_sync, &out->vss };
	static const char *const all_names[] = {
		PROBE_SEC_QUERY_VMVSS, PROBE_SEC_QC_VMVSS, PROBE_SEC_QUERY_LGTO, PROBE_SEC_QC_LGTO,
		PROBE_SEC_QUERY_VSS, PROBE_SEC_QC_VSS, PROBE_SEC_WRITERS, PROBE_SEC_TOOLS_CONF,
		PROBE_SEC_DISKPART, PROBE_SEC_STORAGEPOOL,
	};
	char err[512];
	strbuf errs;
	size_t n = 0, len;
	probe_section *sec = NULL;
	bool *bad = NULL;
	char *body;

	/* Reset every fact this function owns, so nothing stale survives a failed parse. */
	for (size_t i = 0; i < 3; i++)
		svc_reset(svcs[i]);
	probe_writers_free(out->writers, out->n_writers);
	out->writers = NULL;
	out->n_writers = 0;
	out->writers_known = TRI_UNKNOWN;
	out->disable_app_quiescing = TRI_UNKNOWN;
	out->enable_vss = TRI_UNKNOWN;
	out->tools_conf_read = false;
	out->dynamic_disks = TRI_UNKNOWN;
	out->storage_spaces = TRI_UNKNOWN;
	out->access_denied = false;
	free(out->dynamic_disks_evidence);
	out->dynamic_disks_evidence = NULL;
	free(out->storage_spaces_evidence);
	out->storage_spaces_evidence = NULL;
	free(out->error);
	out->error = NULL;

	strbuf_init(&errs);
	if (!text_len(text, &len, "probe", err, sizeof err)) {
		strbuf_adds(&errs, err);
		goto done;
	}
	sec = probe_split_sections(text, &n);
	if (!n) {
		if (all_blank(text, len))
			strbuf_adds(&errs, "the probe printed nothing");
		else
			strbuf_adds(&errs, "the probe output has no section marker");
		goto done;
	}
	bad = suspect_sections(sec, n, all_names, sizeof all_names / sizeof all_names[0]);

	for (size_t i = 0; i < 3; i++) {
		svc_parser parsers[2] = { probe_parse_sc_query, probe_parse_sc_qc };
		for (int j = 0; j < 2; j++) {
			const char *name = svc_sections[i][j];
			if (!(body = section_text(sec, bad, n, name, err, sizeof err)) ||
			    !parsers[j](body, svcs[i], err, sizeof err)) {
				note(&errs, name, err);
				if (body && probe_sc_denied(body))
					out->access_denied = true;
			}
			free(body);
		}
	}

	if ((body = section_text(sec, bad, n, PROBE_SEC_WRITERS, err, sizeof err)) &&
	    probe_parse_vssadmin_writers(body, &out->writers, &out->n_writers, err, sizeof err)) {
		out->writers_known = TRI_YES;
	} else {
		note(&errs, PROBE_SEC_WRITERS, err);
		if (body && probe_vssadmin_denied(body))
			out->access_denied = true;
	}
	free(body);

	if ((body = section_text(sec, bad, n, PROBE_SEC_TOOLS_CONF, err, sizeof err)) &&
	    probe_parse_tools_conf(body, &out->disable_app_quiescing, &out->enable_vss,
				   err, sizeof err))
		out->tools_conf_read = true;
	else
		note(&errs, PROBE_SEC_TOOLS_CONF, err);
	free(body);

	if (!(body = section_text(sec, bad, n, PROBE_SEC_DISKPART, err, sizeof err)) ||
	    !probe_parse_diskpart(body, &out->dynamic_disks, &out->dynamic_disks_evidence,
				  err, sizeof err))
		note(&errs, PROBE_SEC_DISKPART, err);
	free(body);

	if (!(body = section_text(sec, bad, n, PROBE_SEC_STORAGEPOOL, err, sizeof err)) ||
	    !probe_parse_storage_pools(body, &out->storage_spaces, &out->storage_spaces_evidence,
				       err, sizeof err))
		note(&errs, PROBE_SEC_STORAGEPOOL, err);
	free(body);

done:
	free(bad);
	free(sec);
	if (!errs.len) {
		strbuf_done(&errs);
		return true;
	}
	strbuf_addc(&errs, '.');
	out->error = strbuf_detach(&errs, NULL);
	return false;
}
