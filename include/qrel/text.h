/* text.h: text measured in terminal columns, not bytes; every string from the
 * store is UTF-8 and is drawn with control characters made visible. */
#ifndef QREL_TEXT_H
#define QREL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/* Decodes one UTF-8 character at s (n bytes available). Returns the bytes used
 * (at least 1); an invalid sequence yields U+FFFD for one byte. */
size_t text_decode(const char *s, size_t n, wchar_t *out);
/* Encodes the character c (at most U+10FFFF) as UTF-8 into out; returns the bytes. */
size_t text_encode(unsigned c, char out[4]);
/* Columns the character takes on screen: 0 for combining marks, 2 for wide. */
int text_char_width(wchar_t c);
/* Columns of a whole string, as text_draw would draw it. */
int text_width(const char *s);
/* Byte length of the longest prefix of s that fits in cols columns. */
size_t text_fit(const char *s, int cols);
/* Start of the next line when wrapping s at word boundaries to cols columns;
 * *len gets the bytes of this line (without the break). Returns NULL at the end. */
const char *text_wrap(const char *s, int cols, size_t *len);
/* Is c safe to send to a terminal? Controls and escape sequences are not. */
bool text_printable(wchar_t c);
/* The visible stand-in for an unprintable character (e.g. ^[ for ESC): two columns. */
void text_control_mark(wchar_t c, char out[3]);

#endif
