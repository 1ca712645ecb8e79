/* document.h: the register of documents the team asks a district or school
 * for: requested, received, reviewed; notes cite them. Writes go through the
 * gate as scheduling fieldwork (GATE_ACTIVITY at the document's site, 0 for
 * the district as a whole: the lead and reviewers, a principal at their own
 * school); reads follow the rule for notes at the site. */
#ifndef QREL_DOCUMENT_H
#define QREL_DOCUMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct vis_viewer;

/* A field NULL (or site 0 in document_set) is left as it is; add needs title. */
struct document_input {
	int64_t site;			/* 0: review-wide */
	const char *title, *owner, *link;
	const char *status;		/* requested, received, reviewed */
	const char *requested, *received;	/* YYYY-MM-DD; requested defaults to today */
};

struct document_row {
	int64_t id, site;
	char uuid[40], site_code[32];
	char title[256], owner[128], status[12];
	char requested[32], received[32];
	char link[512];
	int notes;			/* live notes citing it */
};

/* "requested", "received", "reviewed": is s one of them? */
bool document_status_valid(const char *s);
int document_add(struct db *db, int64_t review, const char *who, const struct document_input *in, int64_t *id);
/* Changes the fields given; marking a document received (or reviewed) without
 * a date stamps today's. Each changed field gets a change_log row. */
int document_set(struct db *db, int64_t review, const char *who, int64_t id, const struct document_input *in);
/* Note note (a live note of the review) cites document id. */
int document_cite(struct db *db, int64_t review, const char *who, int64_t id, int64_t note);
/* Removes that citation (NOTFOUND when the note does not cite it); the same gate. */
int document_uncite(struct db *db, int64_t review, const char *who, int64_t id, int64_t note);
/* Forgets document uuid of review (a hub pull, once the login no longer reads
 * it): the row and the citations of it, with no change log entry. */
int document_forget_row(struct db *db, int64_t review, const char *uuid, bool *gone);
/* The documents note cites, "Title (status); ..." into out ("" when none). */
int document_cited_by(struct db *db, int64_t note, char *out, size_t n);
/* The documents v may read, oldest request first; outstanding: only those not
 * yet reviewed (requested, or received and waiting). *out malloc'd. */
int document_list(struct db *db, int64_t review, const struct vis_viewer *v, bool outstanding,
		  struct document_row **out, size_t *n);

#endif
