#include "tui/actions.h"

#include <string.h>

static const action_info actions[] = {
	{ ACTION_NONE, "none", "", ACTF_NONE, "" },
#define ACTIONS_INFO(id, name, group, flags, help) { ACTION_##id, name, group, flags, help },
	ACTIONS_LIST(ACTIONS_INFO)
#undef ACTIONS_INFO
};

const action_info *action_get(action a)
{
	if (a <= ACTION_NONE || a >= ACTION_COUNT)
		return NULL;
	return &actions[a];
}

action action_by_name(const char *name)
{
	if (!name)
		return ACTION_NONE;
	for (int a = ACTION_NONE + 1; a < ACTION_COUNT; a++)
		if (!strcmp(actions[a].name, name))
			return (action)a;
	return ACTION_NONE;
}

bool action_changes_vms(action a)
{
	const action_info *i = action_get(a);
	return i && (i->flags & ACTF_CHANGES_VMS);
}
