/* util.h: small helpers shared by every module: ids, the clock, strings, hashing. */
#ifndef QREL_UTIL_H
#define QREL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define UUID_LEN 36

/* A time-ordered (version 7) UUID, lowercase, NUL-terminated. */
void uuid_new(char out[UUID_LEN + 1]);
int uuid_valid(const char *s);

/* The current UTC time as YYYY-MM-DDTHH:MM:SSZ. QREL_NOW in the environment
 * fixes the clock (tests and benchmarks). */
void clock_now(char out[21]);

/* The one date check: YYYY-MM-DD on the calendar (2026-02-30 is refused),
 * optionally followed by THH:MM (a space may stand for the T), :SS, and Z. */
bool date_valid(const char *s);
/* Only YYYY-MM-DD, on the calendar. */
bool date_valid_day(const char *s);
/* y-m-d is a day on the (proleptic Gregorian) calendar. */
bool date_ymd_valid(int y, int m, int d);

/* FNV-1a, 64 bits: a content fingerprint (not a security hash). */
uint64_t hash64(const void *data, size_t len);

/* Whole-file read into a NUL-terminated buffer; NULL with error() set. */
char *file_read(const char *path, size_t *len);

/* Writes data to path through backup_temp_file and backup_commit_file: the
 * output-path check, a 0600 temporary file beside it, fsync, rename. */
int file_replace(const char *path, const char *data, size_t len);
/* The same, the content written by write to the temporary file as it is made
 * (nothing held in memory); a non-zero return from write leaves path untouched. */
int file_replace_stream(const char *path, int (*write)(void *ctx, FILE *f), void *ctx);

/* Creates the folder that will hold path with mode (and its parents), if missing. */
int make_parent_dir(const char *path, unsigned mode);

char *xstrdup(const char *s);
/* Copies src into dst of size bytes, cut on a UTF-8 character boundary. */
void str_copy(char *dst, size_t size, const char *src);
char *str_trim(char *s);
/* Is item one of the entries of list separated by sep (spaces after a separator skipped)? */
bool str_list_has(const char *list, char sep, const char *item);
int str_to_long(const char *s, long *out);
/* p (an array of n elements of size, room for *cap) with room for one more:
 * p itself while there is, else p reallocated to twice *cap (16 at first)
 * and *cap updated; NULL when out of memory, p then left as it was. */
void *array_grow(void *p, size_t n, size_t *cap, size_t size);
/* Appends s and its NUL to the growing buffer *text (*len used of *cap);
 * *off gets where it starts. QREL_OK or QREL_NOMEM (the buffer left as it was). */
int text_append(char **text, size_t *len, size_t *cap, const char *s, size_t *off);
/* Joins dir and name into a new string. */
char *path_join(const char *dir, const char *name);

#endif
