/* fieldwork_sample.c: the sample review's schedule (activities still planned)
 * and document register (with the notes citing documents), from
 * sample-db/schedule.csv and documents.csv. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/csv.h"
#include "qrel/db.h"
#include "qrel/document.h"
#include "qrel/evidence.h"
#include "qrel/findings.h"
#include "qrel/schedule.h"
#include "qrel/store.h"
#include "qrel/util.h"

struct sample {
	struct db *db;
	int64_t review;
	const char *who, *path;
	struct diags *d;
};

static int64_t
site_or_zero(struct sample *s, const char *code)
{
	return *code ? store_site_id(s->db, s->review, code) : 0;
}

/* site, source, at, description, reviewers: added as planned. */
static int
schedule_row(void *ctx, const struct csv_row *r)
{
	struct sample *s = ctx;
	struct activity_input in = { 0 };
	int rc = QREL_PARSE;

	if (r->index == 0)
		return r->n == 5 ? 0 : (diag_add(s->d, s->path, r->line, "five columns expected"), QREL_PARSE);
	in = (struct activity_input){ .site = site_or_zero(s, r->field[0]), .source = r->field[1],
				      .held_at = r->field[2], .description = r->field[3], .status = "planned",
				      .reviewers = r->field[4] };
	if (in.site <= 0)
		error(QREL_NOTFOUND, "no site '%s'", r->field[0]);
	else if ((rc = schedule_check_reviewers(s->db, s->review, in.reviewers)) == QREL_OK)
		rc = activity_add(s->db, s->review, s->who, &in, NULL);
	if (rc != QREL_OK)
		diag_add(s->d, s->path, r->line, "%s", error_message());
	return rc;
}

/* The notes (uuids, ';'-separated) citing document id. */
static int
cite_notes(struct sample *s, int64_t id, char *uuids)
{
	char *save = NULL;
	int rc = QREL_OK;

	for (char *u = strtok_r(uuids, ";", &save); u && rc == QREL_OK; u = strtok_r(NULL, ";", &save)) {
		int64_t note = findings_ref(s->db, s->review, true, u);

		rc = note > 0 ? document_cite(s->db, s->review, s->who, id, note) : note < 0 ? QREL_DB : QREL_NOTFOUND;
	}
	return rc;
}

/* title, owner, site, requested, received, status, link, notes. */
static int
document_row(void *ctx, const struct csv_row *r)
{
	struct sample *s = ctx;
	struct document_input in;
	int64_t id;
	int rc = QREL_NOTFOUND;

	if (r->index == 0)
		return r->n == 8 ? 0 : (diag_add(s->d, s->path, r->line, "eight columns expected"), QREL_PARSE);
	in = (struct document_input){ .site = site_or_zero(s, r->field[2]), .title = r->field[0],
				      .owner = r->field[1], .requested = r->field[3],
				      .received = *r->field[4] ? r->field[4] : NULL, .status = r->field[5],
				      .link = r->field[6] };
	if (in.site < 0 || (*r->field[2] && !in.site))
		error(QREL_NOTFOUND, "no site '%s'", r->field[2]);
	else if ((rc = document_add(s->db, s->review, s->who, &in, &id)) == QREL_OK)
		rc = cite_notes(s, id, r->field[7]);
	if (rc != QREL_OK)
		diag_add(s->d, s->path, r->line, "%s", error_message());
	return rc;
}

int
fieldwork_sample(struct db *db, int64_t review, const char *datadir, const char *who, struct diags *d)
{
	static const char *const files[] = { "sample-db/schedule.csv", "sample-db/documents.csv" };
	csv_row_fn *const fns[] = { schedule_row, document_row };
	struct sample s = { db, review, who, NULL, d };
	int rc = QREL_OK;

	for (size_t i = 0; rc == QREL_OK && i < ARRAY_SIZE(files); i++) {
		char *path = path_join(datadir, files[i]);

		s.path = path;
		rc = csv_each(path, fns[i], &s, d);
		free(path);
	}
	return rc;
}
