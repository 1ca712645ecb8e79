/* cmd_document.c: `qrel document add|list|set|cite|uncite`: the document register. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/document.h"
#include "qrel/output.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

#include <getopt.h>

struct dargs {
	struct cmd_common c;
	struct document_input in;
	const char *site, *note, *format;
	bool outstanding;
	long id;
};

static const char *const names[] = { "id", "site", "title", "owner", "status", "requested", "received", "link",
	"notes" };

static void
print_document(const struct document_row *d, bool json, bool first)
{
	char id[24], notes[16];
	const char *v[] = { id, d->site_code, d->title, d->owner, d->status, d->requested, d->received, d->link,
		notes };

	snprintf(id, sizeof(id), "%lld", (long long)d->id);
	snprintf(notes, sizeof(notes), "%d", d->notes);
	if (!json) {
		for (size_t i = 0; i < ARRAY_SIZE(v); i++)
			out_csv_field(stdout, v[i], i + 1 == ARRAY_SIZE(v));
		return;
	}
	fputs(first ? "\n  {" : ",\n  {", stdout);
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		printf("%s\"%s\": ", i ? ", " : "", names[i]);
		if (i == 0 || i + 1 == ARRAY_SIZE(v))
			fputs(v[i], stdout);
		else
			out_json_string(stdout, v[i]);
	}
	fputc('}', stdout);
}

static int
list(struct db *db, int64_t review, const struct dargs *a, const char *who)
{
	bool json = a->format && !strcmp(a->format, "json");
	struct document_row *rows;
	struct vis_viewer v;
	size_t n;
	int rc;

	if ((rc = visibility_viewer(db, review, who, &v)) != QREL_OK ||
	    (rc = document_list(db, review, &v, a->outstanding, &rows, &n)) != QREL_OK)
		return rc;
	fputs(json ? "[" : "id,site,title,owner,status,requested,received,link,notes\n", stdout);
	for (size_t i = 0, shown = 0; i < n; i++)
		if (!a->site || rows[i].site == a->in.site)
			print_document(&rows[i], json, shown++ == 0);
	if (json)
		fputs(n ? "\n]\n" : "]\n", stdout);
	free(rows);
	return fflush(stdout) == 0 ? QREL_OK : error(QREL_IO, "writing documents: %s", strerror(errno));
}

static int
act(struct db *db, int64_t review, const char *sub, struct dargs *a, const char *who)
{
	int64_t id = 0, note = 0;
	long n;

	if (a->site && (a->in.site = store_site_id(db, review, a->site)) <= 0)
		return a->in.site < 0 ? QREL_DB : error(QREL_NOTFOUND, "no site '%s' in this review", a->site);
	if (!strcmp(sub, "list"))
		return list(db, review, a, who);
	if (!strcmp(sub, "add")) {
		int rc = document_add(db, review, who, &a->in, &id);

		if (rc == QREL_OK)
			printf("added document %lld\n", (long long)id);
		return rc;
	}
	if (!strcmp(sub, "set"))
		return document_set(db, review, who, a->id, &a->in);
	if (!a->note || !str_to_long(a->note, &n) || n <= 0)
		return error(QREL_USAGE, "document %s needs --note N (a note's number)", sub);
	note = n;
	return !strcmp(sub, "uncite") ? document_uncite(db, review, who, a->id, note)
				      : document_cite(db, review, who, a->id, note);
}

static int
run(const char *sub, struct dargs *a)
{
	bool read = !strcmp(sub, "list");
	const char *who;
	struct db *db;
	int64_t review;
	int rc;

	if (a->format && strcmp(a->format, "csv") && strcmp(a->format, "json"))
		return cmd_fail(error(QREL_USAGE, "--format is csv or json, not '%s'", a->format));
	if ((rc = cmd_open(&a->c, read ? DB_READONLY : 0, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((rc = cmd_who(&a->c, db, review, &who)) == QREL_OK)
		rc = act(db, review, sub, a, who);
	db_close(db);
	return cmd_fail(rc);
}

static bool
option(struct dargs *a, int opt, const char *arg)
{
	switch (opt) {
	case 't': a->in.title = arg; return true;
	case 'o': a->in.owner = arg; return true;
	case 's': a->site = arg; return true;
	case 'q': a->in.requested = arg; return true;
	case 'r': a->in.received = arg; return true;
	case 'l': a->in.link = arg; return true;
	case 'S': a->in.status = arg; return true;
	case 'n': a->note = arg; return true;
	case 'f': a->format = arg; return true;
	case 'O': a->outstanding = true; return true;
	}
	return false;
}

int
cmd_document(int argc, char **argv)
{
	static const struct option longopts[] = {
		CMD_COMMON_LONGOPTS,
		{ "title", required_argument, NULL, 't' }, { "owner", required_argument, NULL, 'o' },
		{ "site", required_argument, NULL, 's' }, { "requested", required_argument, NULL, 'q' },
		{ "received", required_argument, NULL, 'r' }, { "link", required_argument, NULL, 'l' },
		{ "status", required_argument, NULL, 'S' }, { "note", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' }, { "outstanding", no_argument, NULL, 'O' },
		{ 0 },
	};
	static const char *const subs[] = { "add", "list", "set", "cite", "uncite" };
	const char *sub = argc > 1 ? argv[1] : "";
	struct dargs a = { 0 };
	bool known = false, with_id;
	int opt;

	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		known |= !strcmp(sub, subs[i]);
	if (!known)
		return cmd_usage("document");
	argv = cmd_verb_argv(argv);
	while ((opt = getopt_long(argc - 1, argv, "", longopts, NULL)) != -1)
		if (!cmd_common_option(&a.c, opt, optarg, "document") && !option(&a, opt, optarg))
			return cmd_usage("document");
	with_id = !strcmp(sub, "set") || !strcmp(sub, "cite") || !strcmp(sub, "uncite");
	if (argc - 1 - optind != (with_id ? 1 : 0))
		return cmd_usage("document");
	if (with_id && (!str_to_long(argv[optind], &a.id) || a.id <= 0))
		return cmd_fail(error(QREL_USAGE, "'%s' is not a document number", argv[optind]));
	return run(sub, &a);
}
