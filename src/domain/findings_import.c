/* findings_import.c: findings and recommendations from CSV files, all or nothing, every problem as file:line. */
#include "qrel/qrel.h"
#include "qrel/csv.h"
#include "qrel/db.h"
#include "qrel/findings.h"
#include "qrel/store.h"
#include "qrel/util.h"

enum { FI_ID, FI_KIND, FI_SITE, FI_DOMAIN, FI_CLUSTER, FI_TEXT, FI_NOTES, FI_NCOLS };
static const char *const finding_cols[] = { "id", "kind", "site", "domain", "cluster", "text", "notes", NULL };
static const bool finding_req[] = { false, true, false, false, false, true, false };

enum { RI_ID, RI_NUMBER, RI_PRIORITY, RI_TITLE, RI_TEXT, RI_STAKE, RI_FINDINGS, RI_OBJECTIVE, RI_NCOLS };
static const char *const rec_cols[] = { "id", "number", "priority", "title", "text", "stakeholders", "findings",
					"objective", NULL };
static const bool rec_req[] = { false, false, false, true, false, false, false, false };

struct im {
	struct db *db;
	int64_t review;
	const char *who, *path;
	const struct csv_opts *csv;
	struct diags *d;
	int col[RI_NCOLS];
	size_t rows;
	bool recs;
	const char *at;	/* the column the row's current step reads */
};

static const char *
get(const struct im *im, const struct csv_row *r, int c)
{
	return im->col[c] >= 0 ? str_trim(r->field[im->col[c]]) : "";
}

/* A row's failure: error()'s message at the row's line, in the column it read. */
static int
problem(struct im *im, const struct csv_row *r, int rc)
{
	const char *msg = error_message();

	if (strncmp(msg, "column ", 7) == 0 || !im->at)
		diag_add(im->d, csv_source_name(im->path), r->line, "%s", msg);
	else
		diag_add(im->d, csv_source_name(im->path), r->line, "column %s: %s", im->at, msg);
	return rc == QREL_OK ? QREL_PARSE : rc;
}

/* Splits list on ';' and hands each trimmed, non-empty item to fn. */
static int
each_item(char *list, int (*fn)(struct im *, void *, char *), struct im *im, void *arg)
{
	int rc = QREL_OK;

	for (char *save = NULL, *item = strtok_r(list, ";", &save); item && rc == QREL_OK;
	     item = strtok_r(NULL, ";", &save))
		if (*(item = str_trim(item)))
			rc = fn(im, arg, item);
	return rc;
}

struct cite_arg {
	int64_t finding;
	const char *uuid;
};

/* "NOTE" or "NOTE:Stakeholder group". */
static int
cite_item(struct im *im, void *arg, char *item)
{
	struct cite_arg *a = arg;
	char *colon = strchr(item, ':');
	int64_t note;

	if (colon)
		*colon++ = '\0';
	if ((note = findings_ref(im->db, im->review, true, str_trim(item))) <= 0)
		return note < 0 ? QREL_DB : QREL_NOTFOUND;
	return finding_cite_tx(im->db, im->review, im->who, a->finding, a->uuid, note, colon ? str_trim(colon) : "");
}

static int
finding_place(struct im *im, const struct csv_row *r, struct finding_input *in)
{
	const char *site = get(im, r, FI_SITE), *dom = get(im, r, FI_DOMAIN), *cl = get(im, r, FI_CLUSTER);

	if (*site && (in->site = store_site_id(im->db, im->review, site)) <= 0)
		return error(QREL_NOTFOUND, "column site: no site '%s' in this review", site);
	if (*cl && (in->cluster = store_cluster_id(im->db, im->review, cl)) <= 0)
		return error(QREL_NOTFOUND, "column cluster: no cluster '%s' in this review", cl);
	if (*dom && (in->domain = findings_domain_id(im->db, im->review, dom)) <= 0)
		return error(QREL_NOTFOUND, "column domain: no domain '%s' in this review", dom);
	if (!*cl && !*dom)
		return error(QREL_PARSE, "a finding needs a cluster or a domain");
	return QREL_OK;
}

static int
finding_row(struct im *im, const struct csv_row *r)
{
	struct finding_input in = { .text = get(im, r, FI_TEXT) };
	char uuid[UUID_LEN + 1] = "";
	struct cite_arg a;
	int rc;

	str_copy(uuid, sizeof(uuid), get(im, r, FI_ID));
	if (*uuid && !uuid_valid(uuid))
		return error(QREL_PARSE, "column id: '%s' is not a uuid", uuid);
	im->at = "kind";
	if ((rc = finding_kind_parse(get(im, r, FI_KIND), &in.kind)) != QREL_OK)
		return rc;
	im->at = "cluster";
	if ((rc = finding_place(im, r, &in)) != QREL_OK)
		return rc;
	if (!*in.text)
		return error(QREL_PARSE, "column text: a finding needs a text");
	im->at = *get(im, r, FI_SITE) ? "site" : *get(im, r, FI_CLUSTER) ? "cluster" : "domain";
	if ((rc = finding_add_tx(im->db, im->review, im->who, &in, &a.finding, uuid)) != QREL_OK)
		return rc;
	a.uuid = uuid;
	im->at = "notes";
	return im->col[FI_NOTES] < 0 ? QREL_OK : each_item(r->field[im->col[FI_NOTES]], cite_item, im, &a);
}

struct rec_arg {
	int64_t rec;
	const char *uuid;
};

static int
link_item(struct im *im, void *arg, char *item)
{
	struct rec_arg *a = arg;
	int64_t finding = findings_ref(im->db, im->review, false, item);

	if (finding <= 0)
		return finding < 0 ? QREL_DB : QREL_NOTFOUND;
	return rec_link_tx(im->db, im->review, im->who, a->rec, a->uuid, finding);
}

static int
rec_row(struct im *im, const struct csv_row *r)
{
	struct rec_input in = { .title = get(im, r, RI_TITLE), .text = get(im, r, RI_TEXT),
				.stakeholders = get(im, r, RI_STAKE), .priority = REC_MEDIUM };
	const char *num = get(im, r, RI_NUMBER), *prio = get(im, r, RI_PRIORITY), *obj = get(im, r, RI_OBJECTIVE);
	char uuid[UUID_LEN + 1] = "";
	struct rec_arg a = { 0, uuid };
	int64_t objective;
	long number = 0;
	int rc;

	str_copy(uuid, sizeof(uuid), get(im, r, RI_ID));
	if (*uuid && !uuid_valid(uuid))
		return error(QREL_PARSE, "column id: '%s' is not a uuid", uuid);
	if (*num && (!str_to_long(num, &number) || number < 1 || number > 100000))
		return error(QREL_PARSE, "column number: '%s' is not a whole number from 1", num);
	if (*obj && strcmp(obj, "yes") != 0 && strcmp(obj, "no") != 0)
		return error(QREL_PARSE, "column objective: yes or no, not '%s'", obj);
	im->at = "priority";
	if (*prio && (rc = rec_priority_parse(prio, &in.priority)) != QREL_OK)
		return rc;
	im->at = number ? "number" : "title";
	if ((rc = rec_add_tx(im->db, im->review, im->who, &in, (int)number, &a.rec, uuid)) != QREL_OK)
		return rc;
	im->at = "findings";
	if (im->col[RI_FINDINGS] >= 0 &&
	    (rc = each_item(r->field[im->col[RI_FINDINGS]], link_item, im, &a)) != QREL_OK)
		return rc;
	im->at = "objective";
	return strcmp(obj, "yes") == 0 ? rec_to_objective_tx(im->db, im->review, im->who, a.rec, uuid, &objective)
				       : QREL_OK;
}

static int
on_row(void *ctx, const struct csv_row *r)
{
	struct im *im = ctx;
	int rc;

	if (r->index == 0) {
		rc = csv_columns(r, im->recs ? rec_cols : finding_cols, im->col, im->recs ? rec_req : finding_req,
				 im->d, im->path);
		return rc;
	}
	im->rows++;
	im->at = NULL;
	rc = im->recs ? rec_row(im, r) : finding_row(im, r);
	if (rc == QREL_DB || rc == QREL_NOMEM || rc == QREL_IO)
		return problem(im, r, rc);
	if (rc != QREL_OK)
		problem(im, r, rc);
	return 0;
}

static int
import(struct im *im, size_t *rows)
{
	int rc;

	*rows = 0;
	for (int i = 0; i < RI_NCOLS; i++)
		im->col[i] = -1;
	if ((rc = findings_may(im->db, im->review, im->who, false)) != QREL_OK || (rc = db_begin(im->db)) != QREL_OK)
		return rc;
	rc = csv_each_opts(im->path, im->csv, on_row, im, im->d);
	if (rc == QREL_OK && im->d->n)
		rc = QREL_PARSE;
	if (rc != QREL_OK) {
		db_rollback(im->db);
		return rc == QREL_PARSE ? error(rc, "%s: nothing imported", csv_source_name(im->path)) : rc;
	}
	if ((rc = db_commit(im->db)) == QREL_OK)
		*rows = im->rows;
	return rc;
}

int
findings_import(struct db *db, int64_t review, const char *who, const char *path, const struct csv_opts *csv,
		struct diags *d, size_t *rows)
{
	struct im im = { .db = db, .review = review, .who = who, .path = path, .csv = csv, .d = d };

	return import(&im, rows);
}

int
rec_import(struct db *db, int64_t review, const char *who, const char *path, const struct csv_opts *csv,
	   struct diags *d, size_t *rows)
{
	struct im im = { .db = db, .review = review, .who = who, .path = path, .csv = csv, .d = d, .recs = true };

	return import(&im, rows);
}
