/* identity.c: the process's Unix identity, and the member of a review it maps to. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/gate.h"
#include "qrel/identity.h"
#include "qrel/store.h"
#include "qrel/util.h"

#include <ctype.h>
#include <pwd.h>
#include <unistd.h>

static struct {
	bool known;
	long uid;
	char login[IDENTITY_LOGIN_MAX];
	char person[128];
} me;

void
identity_init(void)
{
	struct passwd pw, *found = NULL;
	char buf[4096];

	if (me.known)
		return;
	me.uid = (long)getuid();
	me.login[0] = '\0';
	if (getpwuid_r((uid_t)me.uid, &pw, buf, sizeof(buf), &found) == 0 && found)
		snprintf(me.login, sizeof(me.login), "%s", pw.pw_name);
	me.known = true;
}

void
identity_set(long uid, const char *login)
{
	me.known = false;
	if (!login) {
		identity_init();
		return;
	}
	me.uid = uid;
	snprintf(me.login, sizeof(me.login), "%s", login);
	me.known = true;
}

long
identity_uid(void)
{
	identity_init();
	return me.uid;
}

const char *
identity_login(void)
{
	identity_init();
	return me.login;
}

int
identity_review_has_logins(struct db *db, int64_t review)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM person WHERE review_id = ?1 AND login IS NOT NULL)";

	return (int)store_review_int(db, review, sql);
}

int
identity_lead_locked_out(struct db *db, int64_t review, char *lead, size_t n)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM person WHERE review_id = ?1 AND login IS NOT NULL) "
				  "AND NOT EXISTS (SELECT 1 FROM person WHERE review_id = ?1 AND role = 'lead' "
				  "AND login IS NOT NULL)";
	int64_t out = store_review_int(db, review, sql);

	*lead = '\0';
	if (out < 0 || (out && store_lead_name(db, review, lead, n) != QREL_OK))
		return -1;
	return out && *lead;
}

/* The name of the person with login in review into name; 0 when nobody has it. */
static int
person_of_login(struct db *db, int64_t review, const char *login, char *name, size_t n)
{
	static const char sql[] = "SELECT name FROM person WHERE review_id = ?1 AND login = ?2";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, review);
	db_bind_text(st, 2, login);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(name, n, "%s", db_col_text(st, 0));
	rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	if (rc < 0)
		db_fail(db, "looking up a login");
	sqlite3_reset(st);
	return rc;
}

int
identity_resolve(struct db *db, int64_t review, const char *claimed, bool explicit_as, char *name, size_t n)
{
	const char *login = identity_login();
	char mapped[128];
	int has = identity_review_has_logins(db, review), found;

	if (has < 0)
		return QREL_DB;
	if (!has) {
		snprintf(name, n, "%s", claimed ? claimed : "");
		return QREL_OK;
	}
	if ((found = *login ? person_of_login(db, review, login, mapped, sizeof(mapped)) : 0) < 0)
		return QREL_DB;
	if (found && explicit_as && claimed && strcmp(claimed, mapped) != 0)
		return error(QREL_DENIED, "you are logged in as unix user %s, who is %s in this review; --as %s is "
			     "refused", login, mapped, claimed);
	if (!found && explicit_as && claimed && *claimed)
		return error(QREL_DENIED, "you are logged in as unix user %s, who is not a member of this review "
			     "(no person of it has that login); --as %s is refused", *login ? login : "(unnamed)", claimed);
	snprintf(name, n, "%s", found ? mapped : login);
	return QREL_OK;
}

void
identity_person_set(const char *name)
{
	snprintf(me.person, sizeof(me.person), "%s", name ? name : "");
}

const char *
identity_person(void)
{
	return me.person;
}

bool
identity_login_valid(const char *login)
{
	size_t n = strlen(login);

	if (n == 0 || n > 32 || !(islower((unsigned char)login[0]) || login[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)login[i];

		if (!(islower(c) || isdigit(c) || c == '_' || c == '-' || (c == '$' && i == n - 1)))
			return false;
	}
	return true;
}

static int
login_write(struct db *db, int64_t review, const char *who, int64_t person, const char *login)
{
	static const char get[] = "SELECT uuid, login FROM person WHERE id = ?1";
	static const char set[] = "UPDATE person SET login = ?2 WHERE id = ?1";
	sqlite3_stmt *st = db_stmt(db, get);
	char uuid[UUID_LEN + 1] = "", *old = NULL;
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, person);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(uuid, sizeof(uuid), "%s", db_col_text(st, 0));
		old = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : xstrdup(db_col_text(st, 1));
	}
	sqlite3_reset(st);
	if (!(st = db_stmt(db, set))) {
		free(old);
		return QREL_DB;
	}
	sqlite3_bind_int64(st, 1, person);
	db_bind_text(st, 2, login);
	if ((rc = db_step_done(db, st, "setting a login")) == QREL_OK)
		rc = changelog_add(db, review, who, "person", uuid, "login", old, login, "");
	free(old);
	return rc;
}

int
identity_set_login(struct db *db, int64_t review, const char *who, const char *name, const char *login)
{
	struct gate_actor a;
	char other[128] = "";
	int64_t person;
	int rc, found;

	if (login && !*login)
		login = NULL;
	if (login && !identity_login_valid(login))
		return error(QREL_PARSE, "'%s' is not a Unix user name (lower-case letters, digits, '_' and '-')", login);
	if ((person = store_person_id(db, review, name)) <= 0)
		return person < 0 ? QREL_DB : error(QREL_NOTFOUND, "no person '%s' in this review", name);
	if ((rc = gate_actor(db, review, who, &a)) != QREL_OK || (rc = db_begin(db)) != QREL_OK)
		return rc;
	rc = gate_check(db, review, &a, &(struct gate_write){ .what = GATE_PERSON, .owner = person });
	if (rc == QREL_OK && login && (found = person_of_login(db, review, login, other, sizeof(other))) != 0)
		rc = found < 0 ? QREL_DB : strcmp(other, name) == 0 ? QREL_OK
			: error(QREL_CONFLICT, "%s is already the login of %s", login, other);
	if (rc == QREL_OK)
		rc = login_write(db, review, who, person, login);
	if (rc != QREL_OK) {
		db_rollback(db);
		return rc;
	}
	return db_commit(db);
}
