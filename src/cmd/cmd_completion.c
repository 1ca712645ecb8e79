/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_completion.c: `qrel completion bash`, a bash completion script written from the
 * command table (commands, subcommands, options, option values), and `qrel codes`,
 * which lists the review's site, cluster and domain codes for it. */
#include "qrel/qrel.h"
#include "qrel/cmd.h"
#include "qrel/db.h"
#include "qrel/import.h"

#include <ctype.h>
#include <getopt.h>
#include <sqlite3.h>

/* Calls fn for each word of a usage text that starts with prefix: "--db", "-o". */
static void
each_option(const char *usage, void (*fn)(const char *opt, size_t n, const char *after))
{
	for (const char *p = usage; (p = strchr(p, '-')); ) {
		size_t n = 1;

		if (p > usage && !isspace((unsigned char)p[-1]) && p[-1] != '[' && p[-1] != '(' && p[-1] != '|') {
			p++;
			continue;
		}
		while (p[n] && (isalnum((unsigned char)p[n]) || p[n] == '-'))
			n++;
		if (n > 1)
			fn(p, n, p + n);
		p += n;
	}
}

/* The command being written out, and the options already given for it. */
static const char *current;
static char seen[1024];

static void
print_option(const char *opt, size_t n, const char *after)
{
	char word[64];

	UNUSED(after);
	snprintf(word, sizeof(word), " %.*s ", (int)n, opt);
	if (strstr(seen, word) || strlen(seen) + strlen(word) >= sizeof(seen))
		return;
	strcat(seen, word);
	printf(" %.*s", (int)n, opt);
}

/* The words of the value an option takes, as the usage writes it: "csv|json" gives
 * csv json, CODE after --site or --cluster the review's codes, FILE, DIR or BUNDLE
 * file names. */
static void
print_value_case(const char *opt, size_t n, const char *after)
{
	char word[64];
	size_t len;

	if (*after != ' ' || (after[1] == '-' || after[1] == '[' || after[1] == '|'))
		return;
	after++;
	len = strcspn(after, " ]\n)");
	snprintf(word, sizeof(word), " %.*s ", (int)n, opt);
	if (strstr(seen, word) || strlen(seen) + strlen(word) >= sizeof(seen))
		return;	/* the first form the usage gives wins */
	strcat(seen, word);
	if (memchr(after, '|', len)) {
		printf("\t\t\"%s %.*s\") files=0; words='", current, (int)n, opt);
		for (size_t i = 0; i < len; i++)
			putchar(after[i] == '|' ? ' ' : after[i]);
		printf("' ;;\n");
	} else if (strncmp(after, "CODE", 4) == 0 &&
		   (strncmp(opt, "--site", n) == 0 || strncmp(opt, "--cluster", n) == 0)) {
		printf("\t\t\"%s %.*s\") files=0; words=$(_qrel_codes %ss) ;;\n", current, (int)n, opt,
		       opt[2] == 's' ? "site" : "cluster");
	} else if ((len >= 4 && strncmp(after, "FILE", 4) == 0) || strncmp(after, "DIR", len) == 0 ||
		   strncmp(after, "BUNDLE", len) == 0) {
		printf("\t\t\"%s %.*s\") files=1 ;;\n", current, (int)n, opt);
	}
}

/* The subcommands of a usage text: the word after "NAME" on each line, and after '|'. */
static void
print_subcommands(const struct command *c)
{
	size_t nlen = strlen(c->name);

	for (const char *line = c->usage; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *p = line;

		while (*p == ' ')
			p++;
		if (strncmp(p, "qrel ", 5) == 0)
			p += 5;
		if (strncmp(p, c->name, nlen) != 0 || p[nlen] != ' ')
			continue;
		for (p += nlen + 1; islower((unsigned char)*p); ) {
			size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
			const char *eol = strchr(p, '\n'), *bar;

			printf(" %.*s", (int)n, p);
			p += n;
			if (*p == '|')	/* delete|restore */
				p++;
			else if ((bar = strstr(p, " | ")) && (!eol || bar < eol))	/* check FILE | import ... */
				p = bar + 3;
		}
	}
}

static void
print_bash(void)
{
	const struct command *c;

	printf("# bash completion for qrel, written by `qrel completion bash` from its command table.\n"
	       "_qrel_codes() {\n"
	       "\tlocal db=() i\n"
	       "\tfor ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do\n"
	       "\t\t[[ ${COMP_WORDS[i]} == --db ]] && db=(--db \"${COMP_WORDS[i + 1]}\")\n"
	       "\tdone\n"
	       "\t\"${COMP_WORDS[0]}\" codes \"${db[@]}\" \"$1\" 2>/dev/null\n"
	       "}\n\n"
	       "_qrel() {\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	       "\tlocal cmd=${COMP_WORDS[1]} words='' files=0\n"
	       "\tif ((COMP_CWORD == 1)); then\n"
	       "\t\twords='--db --config --as --demo --help --version");
	for (size_t i = 0; (c = cmd_at(i)); i++)
		printf(" %s", c->name);
	printf("'\n\telse\n\t\tcase $cmd in\n");
	for (size_t i = 0; (c = cmd_at(i)); i++) {
		strcpy(seen, " --help --config ");
		printf("\t\t%s) words='--help --config", c->name);
		print_subcommands(c);
		for (size_t k = 0; strcmp(c->name, "import") == 0 && import_kinds[k]; k++)
			printf(" %s", import_kinds[k]);
		each_option(c->usage, print_option);
		/* a file name as an argument: FILE.csv, FILE.ini, BUNDLE */
		printf("'%s ;;\n", strstr(c->usage, "FILE.") || strstr(c->usage, " BUNDLE") ? "; files=1" : "");
	}
	printf("\t\t*) files=1 ;;\n\t\tesac\n\t\tcase \"$cmd $prev\" in\n"
	       "\t\t*\" --db\" | *\" --config\" | *\" -o\") files=1; words='' ;;\n");
	for (size_t i = 0; (c = cmd_at(i)); i++) {
		current = c->name;
		seen[0] = '\0';
		each_option(c->usage, print_value_case);
	}
	printf("\t\tesac\n\tfi\n"
	       "\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	       "\t((files)) && [[ $cur != -* ]] && COMPREPLY+=($(compgen -f -- \"$cur\"))\n"
	       "\treturn 0\n}\n"
	       "complete -o filenames -F _qrel qrel\n");
}

int
cmd_completion(int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "bash") != 0)
		return cmd_usage("completion");
	print_bash();
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

static const char *const code_sql[] = {
	"SELECT code FROM site WHERE review_id = ?1 ORDER BY code",
	"SELECT c.code FROM cluster c JOIN review r ON r.framework_id = c.framework_id "
	"WHERE r.id = ?1 ORDER BY c.position, c.code",
	"SELECT d.code FROM domain d JOIN review r ON r.framework_id = d.framework_id "
	"WHERE r.id = ?1 ORDER BY d.position",
};

int
cmd_codes(int argc, char **argv)
{
	static const struct option longopts[] = { CMD_COMMON_LONGOPTS, { 0 } };
	static const char *const kinds[] = { "sites", "clusters", "domains" };
	struct cmd_common c = { 0 };
	sqlite3_stmt *st;
	struct db *db;
	int64_t review;
	size_t k = ARRAY_SIZE(kinds);
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!cmd_common_option(&c, opt, optarg, "codes"))
			return cmd_usage("codes");
	if (optind == argc - 1)
		for (k = 0; k < ARRAY_SIZE(kinds) && strcmp(kinds[k], argv[optind]) != 0; k++)
			;
	if (k == ARRAY_SIZE(kinds))
		return cmd_usage("codes");
	if ((rc = cmd_open(&c, DB_READONLY, &db, &review)) != QREL_OK)
		return cmd_fail(rc);
	if ((st = db_stmt(db, code_sql[k]))) {
		sqlite3_bind_int64(st, 1, review);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			printf("%s\n", db_col_text(st, 0));
		rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, "listing codes");
	} else {
		rc = QREL_DB;
	}
	db_close(db);
	return cmd_fail(rc);
}
