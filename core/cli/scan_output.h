/* scan_output: a scan's result in the formats of `quiescent scan`: a table for people, the
 * JSON contract of quiescing-rules.md, CSV with one row per VM (its top finding and counts)
 * and CSV with one row per finding (csv-findings). Every format carries the VM's proof. */
#ifndef QUIESCENT_SCAN_OUTPUT_H
#define QUIESCENT_SCAN_OUTPUT_H

#include <stdio.h>
#include <time.h>

#include "frontend/format.h"
#include "model/model.h"
#include "proof/proof.h"
#include "util/json.h"
#include "scan/scan.h"
#include "util/strbuf.h"

/* Appends the output to out. The table uses `width` terminal columns (at least 80; its
 * last-test column from 110); width 0: no limit, every name and finding whole (pipes, files,
 * --wide). With a spill file (NULL: none), whole VMs' lines are written there as out fills, so
 * a large scan's output is never held whole; out keeps the rest for the caller to write. The
 * scan is complete by then: nothing that can fail is left between the first line and the last. */
void scan_output(strbuf *out, const scan_result *r, scan_format fmt, int width, FILE *spill);

/* One vCenter's part of a scan over several: its result (r->vcenter always set), or why it
 * could not be scanned (then r holds no VM). */
typedef struct {
	const scan_result *r;
	const char *error;      /* NULL: scanned; else one sentence */
} scan_part;

/* scan_output over several vCenters: the table one section per vCenter (a failed one says
 * why), JSON one document with "vcenters" and each VM's "vcenter", CSV one header. */
void scan_output_many(strbuf *out, const scan_part *parts, size_t n, scan_format fmt, int width,
		      FILE *spill);

/* The leftovers of interrupted quiescent runs (R26 findings), one line naming them and one
 * line per finding ("  NAME: evidence"); nothing when there are none. The table ends with it;
 * `scan` writes it to stderr for json and csv, so nobody misses it and stdout stays parseable. */
void scan_output_leftovers(strbuf *out, const scan_result *r);

/* The OS the operator recognises: guest.guestFullName, else config.guestFullName, else ids. */
const char *scan_guest_os(const vm_facts *f);

/* The finding an operator should read first (errors first, an info only when alone). */
const finding *scan_top_finding(const verdict *v);

/* The VM's `proof` object of the JSON contract ({"state":..,"reason":..,"last_test":..}),
 * as the value at w's current position. */
void scan_proof_json(json_writer *w, const vm_facts *f, const vm_proof *p,
		     time_t max_age);

#endif
