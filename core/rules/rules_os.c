/* rules_os: which Windows a VM runs (os_family) from what vCenter says of its guest, and what
 * each family can quiesce at best. The rules in rules.c decide by it. */
#include "rules/rules.h"

#include <string.h>
#include <strings.h>

bool rules_is_windows(os_family fam)
{
	return fam > OS_OTHER && fam <= OS_WIN2025;
}

bool rules_is_vss_family(os_family fam)
{
	return fam >= OS_WINDESKTOP && fam <= OS_WIN2025;
}

quiesce_level rules_best_level(os_family fam)
{
	if (fam == OS_WIN2000 || fam == OS_WINXP || fam == OS_WINDESKTOP)
		return LEVEL_FILESYSTEM;
	if (fam >= OS_WIN2003 && fam <= OS_WIN2025)
		return LEVEL_APPLICATION;
	return LEVEL_CRASH;
}

/* vSphere guestId prefixes (VirtualMachineGuestOsIdentifier). Longer prefixes come first
 * where one is a prefix of another (windows7Server before windows7). */
static const struct {
	const char *prefix;
	os_family fam;
} guest_ids[] = {
	{"win2000", OS_WIN2000},
	{"winXP", OS_WINXP},
	{"winNet", OS_WIN2003},
	{"winVista", OS_WINDESKTOP},
	{"winLonghorn", OS_WIN2008},
	{"windows7Server", OS_WIN2008R2},
	{"windows8Server", OS_WIN2012},
	{"windows9Server", OS_WIN2016},
	{"windows2019srvNext", OS_WIN2022},
	{"windows2019srv", OS_WIN2019},
	{"windows2022srvNext", OS_WIN2025},
	{"windows2022srv", OS_WIN2022},
	{"windows7", OS_WINDESKTOP},
	{"windows8", OS_WINDESKTOP},
	{"windows9", OS_WINDESKTOP},
	{"windows11", OS_WINDESKTOP},
	{"windows12", OS_WINDESKTOP},
	/* Windows without a quiescing provider: decided, not Windows for the rules */
	{"win31", OS_OTHER},
	{"win95", OS_OTHER},
	{"win98", OS_OTHER},
	{"winMe", OS_OTHER},
	{"winNT", OS_OTHER},
};

/* True when the guestId decides the family. A guestId that is not "win..." is another OS;
 * an unrecognised "win..." one (windowsHyperVGuest, a future id) lets the next source decide. */
static bool family_from_guest_id(const char *id, os_family *out)
{
	if (!id || !*id)
		return false;
	for (size_t i = 0; i < sizeof(guest_ids) / sizeof(guest_ids[0]); i++) {
		size_t n = strlen(guest_ids[i].prefix);
		if (strncmp(id, guest_ids[i].prefix, n) == 0) {
			*out = guest_ids[i].fam;
			return true;
		}
	}
	if (strncasecmp(id, "win", 3) == 0)
		return false;
	*out = OS_OTHER;
	return true;
}

static bool has(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

/* "Microsoft Windows Server 2012 R2 Standard", "Microsoft Windows 10 (64-bit)", ...
 * Server years only count in a server name: "Windows 10 Enterprise LTSC 2019" is a desktop. */
static bool family_from_full_name(const char *name, os_family *out)
{
	static const struct {
		const char *needle;
		os_family fam;
	} servers[] = {
		{"2025", OS_WIN2025}, {"2022", OS_WIN2022},       {"2019", OS_WIN2019},
		{"2016", OS_WIN2016}, {"2012 R2", OS_WIN2012R2}, {"2012", OS_WIN2012},
		{"2011", OS_WIN2008R2}, /* Small Business / Home Server 2011: 2008 R2 inside */
		{"2008 R2", OS_WIN2008R2}, {"2008", OS_WIN2008}, {"2003", OS_WIN2003},
	}, desktops[] = {
		{"Windows XP", OS_WINXP},       {"Vista", OS_WINDESKTOP},
		{"Windows 7", OS_WINDESKTOP},   {"Windows 8", OS_WINDESKTOP},
		{"Windows 10", OS_WINDESKTOP},  {"Windows 11", OS_WINDESKTOP},
		{"Windows 12", OS_WINDESKTOP},
	};
	if (!name || !*name)
		return false;
	*out = OS_OTHER; /* not Windows, or NT, 95, 98, Me, an unknown Windows: no provider */
	if (!has(name, "windows"))
		return true;
	if (has(name, "Windows 2000")) {
		*out = OS_WIN2000;
		return true;
	}
	bool server = has(name, "server");
	for (size_t i = 0; server && i < sizeof(servers) / sizeof(servers[0]); i++) {
		if (has(name, servers[i].needle)) {
			*out = servers[i].fam;
			return true;
		}
	}
	for (size_t i = 0; !server && i < sizeof(desktops) / sizeof(desktops[0]); i++) {
		if (has(name, desktops[i].needle)) {
			*out = desktops[i].fam;
			return true;
		}
	}
	return true;
}

/* One guestId covers several releases; the guest's build (then its own full name) says which.
 * Refinement stays within the guestId's generation, so a bogus build cannot turn a 2008 VM
 * into 2025. */
static os_family refine_family(os_family fam, const vm_facts *f)
{
	int b = f->guest_build;
	os_family named = OS_OTHER;
	bool have_name = family_from_full_name(f->guest_full_name, &named);

	switch (fam) {
	case OS_WIN2008:
	case OS_WIN2008R2:
		if (b >= 6001 && b <= 6003)
			return OS_WIN2008;
		if (b >= 7600 && b <= 7601)
			return OS_WIN2008R2;
		if (have_name && (named == OS_WIN2008 || named == OS_WIN2008R2))
			return named;
		return fam;
	case OS_WIN2012:
	case OS_WIN2012R2:
		if (b == 9200)
			return OS_WIN2012;
		if (b == 9600)
			return OS_WIN2012R2;
		if (have_name && (named == OS_WIN2012 || named == OS_WIN2012R2))
			return named;
		return fam;
	case OS_WIN2016:
	case OS_WIN2019:
	case OS_WIN2022:
	case OS_WIN2025:
		if (b >= 26100)
			return OS_WIN2025;
		if (b >= 20348)
			return OS_WIN2022;
		if (b >= 17763)
			return OS_WIN2019;
		if (b >= 14393)
			return OS_WIN2016;
		if (have_name && named >= OS_WIN2016 && named <= OS_WIN2025)
			return named;
		return fam;
	default:
		return fam;
	}
}

os_family rules_os_family(const vm_facts *f)
{
	os_family fam = OS_OTHER;
	if (family_from_guest_id(f->guest_id, &fam) || family_from_guest_id(f->config_guest_id, &fam) ||
	    family_from_full_name(f->guest_full_name, &fam) ||
	    family_from_full_name(f->config_guest_full_name, &fam))
		return refine_family(fam, f);
	return OS_OTHER;
}
