#include "tui/command.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const command_info commands[] = {
	{ CMD_NONE, "", "", CC_NONE, "" },
#define COMMANDS_INFO(id, name, args, completes, help) { CMD_##id, name, args, completes, help },
	COMMANDS_LIST(COMMANDS_INFO)
#undef COMMANDS_INFO
};

const command_info *command_get(command_id id)
{
	if (id <= CMD_NONE || id >= CMD_COUNT)
		return NULL;
	return &commands[id];
}

command_id command_resolve(const char *word, char *err, size_t errlen)
{
	size_t len = strlen(word);
	if (!len) {
		snprintf(err, errlen, "no command given");
		return CMD_NONE;
	}
	command_id found = CMD_NONE;
	int matches = 0;
	for (int c = CMD_NONE + 1; c < CMD_COUNT; c++) {
		if (!strcmp(commands[c].name, word))
			return (command_id)c;
		if (!strncmp(commands[c].name, word, len)) {
			found = (command_id)c;
			matches++;
		}
	}
	if (matches == 1)
		return found;
	if (matches == 0) {
		snprintf(err, errlen, "unknown command '%s' (see :help)", word);
		return CMD_NONE;
	}
	size_t off = (size_t)snprintf(err, errlen, "ambiguous command '%s':", word);
	bool first = true;
	for (int c = CMD_NONE + 1; c < CMD_COUNT && off < errlen; c++) {
		if (strncmp(commands[c].name, word, len))
			continue;
		off += (size_t)snprintf(err + off, errlen - off, "%s %s", first ? "" : ",", commands[c].name);
		first = false;
	}
	return CMD_NONE;
}

void command_free_words(char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
}

int command_split(const char *line, char **argv, int max, char *err, size_t errlen)
{
	int argc = 0;
	const char *p = line;
	size_t cap = strlen(line) + 1;
	char *word = xmalloc(cap);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		size_t len = 0;
		char quote = 0;
		while (*p && (quote || (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'))) {
			if (quote) {
				if (*p == quote) {
					quote = 0;
				} else if (*p == '\\' && quote == '"' && p[1]) {
					word[len++] = *++p;
				} else {
					word[len++] = *p;
				}
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1]) {
				word[len++] = *++p;
			} else {
				word[len++] = *p;
			}
			p++;
		}
		if (quote) {
			snprintf(err, errlen, "unterminated %c quote", quote);
			goto fail;
		}
		if (argc == max) {
			snprintf(err, errlen, "too many words (at most %d)", max);
			goto fail;
		}
		word[len] = '\0';
		argv[argc++] = xstrdup(word);
	}
	free(word);
	return argc;
fail:
	free(word);
	command_free_words(argv, argc);
	return -1;
}
