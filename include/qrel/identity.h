/* identity.h: who the operating system says runs this process (the real uid
 * and its login name, read once), and which member of a review that is.
 *
 * A person of a review may carry a login (a Unix user name). When any person
 * of the review has one, the process's login decides who the caller is:
 * --as, the config's `user` and $USER are ignored, and --as naming someone
 * else is refused. A review with no logins at all keeps the old way (--as,
 * then the config, then $USER): one person on a laptop. */
#ifndef QREL_IDENTITY_H
#define QREL_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

#define IDENTITY_LOGIN_MAX 64

/* Reads the real uid and its login (getpwuid_r) once; later calls do nothing.
 * The other functions call it when it has not run. */
void identity_init(void);
/* For tests: the process is uid with login (NULL: read them again from the OS). */
void identity_set(long uid, const char *login);
long identity_uid(void);
/* The login of the real uid; "" when the system has no name for it. */
const char *identity_login(void);

/* 1 when some person of review has a login, 0 when none, -1 on error. */
int identity_review_has_logins(struct db *db, int64_t review);

/* The name the caller acts under in review, into name. claimed is --as (when
 * explicit_as), else the config's or $USER. With logins in the review:
 * the person whose login is the process's, or (when nobody has it) the login
 * itself, which is no member; --as naming another person is QREL_DENIED with
 * the reason. Without logins: claimed. */
int identity_resolve(struct db *db, int64_t review, const char *claimed, bool explicit_as, char *name,
		     size_t n);

/* The member this process acts as, once a command has resolved it ("" before):
 * a bundle names it as its exporter. */
void identity_person_set(const char *name);
const char *identity_person(void);

/* A Unix user name as useradd accepts it: [a-z_][a-z0-9_-]*$?, at most 32 bytes. */
bool identity_login_valid(const char *login);

/* 1 when some person of review has a login but no lead has one, so that no
 * process can act as the lead any more (lead: the first lead's name); 0 when
 * not, -1 on error. */
int identity_lead_locked_out(struct db *db, int64_t review, char *lead, size_t n);

/* The lead gives person name the Unix login (NULL or "": none), through the
 * gate, with a change-log entry. A login is one person's only. */
int identity_set_login(struct db *db, int64_t review, const char *who, const char *name, const char *login);

#endif
