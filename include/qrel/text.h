/* text.h: text measured in terminal columns, not bytes; every string from the
 * store is UTF-8 and is drawn with control characters made visible. */
#ifndef QREL_TEXT_H
#define QREL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <wchar.h>

/* Decodes one UTF-8 character at s (n bytes available). Returns the bytes used
 * (at least 1); an invalid sequence yields U+FFFD for one byte. */
size_t text_decode(const char *s, size_t n, wchar_t *out);
/* Encodes the character c (at most U+10FFFF) as UTF-8 into out; returns the bytes. */
size_t text_encode(unsigned c, char out[4]);
/* Columns the character takes on screen: 0 for combining marks (also where the
 * locale does not know them), 2 for wide. */
int text_char_width(wchar_t c);
/* The ASCII stand-in for c on a terminal that draws only ASCII (LANG=C): c
 * itself when ASCII; a Latin letter without its marks ("é", "ễ", "Đ" as e, e,
 * D; a fullwidth letter as its ASCII letter); '\0' for a combining mark (drawn
 * as nothing, its letter stands for it); '?' for anything else (CJK, Greek...).
 * Controls are not its business: text_printable and text_control_mark first. */
char text_ascii_of(wchar_t c);
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
/* Is s (n bytes) valid UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF)? When not, *bad (if given) gets the offset of the first bad byte. */
bool text_valid(const char *s, size_t n, size_t *bad);
/* The one way text reaches a terminal or a file: s with every character that
 * text_printable refuses (C0, DEL, C1 such as the 0x9b CSI, bidi overrides)
 * shown as its mark (^[ for ESC) and every byte that is not UTF-8 as U+FFFD,
 * except the ASCII characters in keep (such as "\n\t"). Returns s itself when
 * nothing changes, else a new string also stored in *owned (free it). */
const char *text_visible(const char *s, const char *keep, char **owned);
/* s on fp through text_visible, keeping line breaks and tabs. */
void text_print(FILE *fp, const char *s);

#endif
