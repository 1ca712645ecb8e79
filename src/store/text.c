/* text.c: UTF-8 decoding, column widths and word wrap, independent of the locale. */
#include "qrel/qrel.h"
#include "qrel/text.h"

size_t
text_decode(const char *s, size_t n, wchar_t *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;
	wchar_t c;

	if (p[0] < 0x80)
		return *out = p[0], 1;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, c = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, c = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, c = p[0] & 0x07;
	else
		return *out = 0xfffd, 1;
	if (len > n)
		return *out = 0xfffd, 1;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return *out = 0xfffd, 1;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not characters. */
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return *out = 0xfffd, 1;
	*out = c;
	return len;
}

bool
text_printable(wchar_t c)
{
	return !(c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029 ||
		 (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069));
}

void
text_control_mark(wchar_t c, char out[3])
{
	out[0] = '^';
	out[1] = c < 0x20 ? (char)('@' + c) : c == 0x7f ? '?' : '~';
	out[2] = '\0';
}

size_t
text_encode(unsigned c, char out[4])
{
	if (c < 0x80)
		return out[0] = (char)c, 1;
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The combining marks (accents drawn over the letter before them): Latin,
 * Vietnamese and most scripts use these blocks. */
static bool
combining(wchar_t c)
{
	return (c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) || (c >= 0x1dc0 && c <= 0x1dff) ||
	       (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe20 && c <= 0xfe2f);
}

int
text_char_width(wchar_t c)
{
	int w;

	if (!text_printable(c))
		return 2;
	w = wcwidth(c);
	if (w < 0)	/* unknown to this locale (LANG=C): a mark takes no column, */
		return combining(c) ? 0 : 1;	/* anything else one ("?" or its letter) */
	return w;
}

/* The base letter of each precomposed Latin letter, made from Unicode's data
 * (the canonical decomposition's first letter, else the letter a name such as
 * "LATIN SMALL LETTER D WITH STROKE" is built on); '?' where there is none. */
static const char latin_base[] =	/* U+00C0 to U+024F */
	"AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty"	/* U+00C0 */
	"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlL"	/* U+0100 */
	"lLlNnNnNn???OoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs"	/* U+0140 */
	"bBBb???Cc?DDd????FfG?h?IKkl??NnOOo??Pp?????tTtTUu?VYyZz?????????"	/* U+0180 */
	"?????D?LLlNNnAaIiOoUuUuUuUuUu?AaAa??GgGgKkOoOo??jDDdGg??NnAa??Oo"	/* U+01C0 */
	"AaAaEeEeIiIiOoOoRrRrUuUuSsTt??HhNd??ZzAaEeOoOoOoOoYylntj??ACcLTs"	/* U+0200 */
	"z??B??EeJj?qRrYy";							/* U+0240 */
static const char latin_additional[] =	/* U+1E00 to U+1EFF (Vietnamese among them) */
	"AaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMm"	/* U+1E00 */
	"MmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVv"	/* U+1E40 */
	"WwWwWwWwWwXxXxYyZzZzZzhtwya???S?AaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEe"	/* U+1E80 */
	"EeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy????Yy";	/* U+1EC0 */

char
text_ascii_of(wchar_t c)
{
	if (c >= 0 && c < 0x80)
		return (char)c;
	if (combining(c))
		return '\0';
	if (c >= 0xc0 && c < 0xc0 + (wchar_t)sizeof(latin_base) - 1)
		return latin_base[c - 0xc0];
	if (c >= 0x1e00 && c < 0x1e00 + (wchar_t)sizeof(latin_additional) - 1)
		return latin_additional[c - 0x1e00];
	if (c >= 0xff01 && c <= 0xff5e)	/* fullwidth forms of ASCII */
		return (char)(c - 0xfee0);
	return '?';
}

int
text_width(const char *s)
{
	size_t n = strlen(s);
	int cols = 0;

	while (n) {
		wchar_t c;
		size_t k = text_decode(s, n, &c);

		cols += text_char_width(c);
		s += k;
		n -= k;
	}
	return cols;
}

size_t
text_fit(const char *s, int cols)
{
	size_t n = strlen(s), used = 0;

	while (used < n) {
		wchar_t c;
		size_t k = text_decode(s + used, n - used, &c);
		int w = text_char_width(c);

		if (w > cols)
			break;
		cols -= w;
		used += k;
	}
	return used;
}

const char *
text_wrap(const char *s, int cols, size_t *len)
{
	size_t fit, cut;

	if (!s || !*s)
		return NULL;
	if (cols < 1)
		cols = 1;
	fit = text_fit(s, cols);
	for (size_t i = 0; i < fit; i++) {
		if (s[i] == '\n') {
			*len = i;
			return s + i + 1;
		}
	}
	if (s[fit] == '\0' || s[fit] == '\n') {
		*len = fit;
		return s[fit] ? s + fit + 1 : s + fit;
	}
	cut = fit;
	while (cut > 0 && s[cut] != ' ')
		cut--;
	if (cut == 0)
		cut = fit ? fit : text_decode(s, strlen(s), &(wchar_t){ 0 });
	*len = cut;
	s += cut;
	while (*s == ' ')
		s++;
	return s;
}

bool
text_valid(const char *s, size_t n, size_t *bad)
{
	size_t i = 0;

	while (i < n) {
		wchar_t c;
		size_t k = text_decode(s + i, n - i, &c);

		if (c == 0xfffd && k == 1) {
			if (bad)
				*bad = i;
			return false;
		}
		i += k;
	}
	return true;
}

/* Does the character at s (k bytes, decoded c) go out as it is? */
static bool
kept(wchar_t c, size_t k, const char *keep)
{
	if (c == 0xfffd && k == 1)
		return false;	/* not UTF-8: shown as U+FFFD */
	return text_printable(c) || (c > 0 && c < 0x80 && keep && strchr(keep, (int)c));
}

static bool
all_visible(const char *s, size_t n, const char *keep)
{
	while (n) {
		wchar_t c;
		size_t k = text_decode(s, n, &c);

		if (!kept(c, k, keep))
			return false;
		s += k;
		n -= k;
	}
	return true;
}

const char *
text_visible(const char *s, const char *keep, char **owned)
{
	size_t n = s ? strlen(s) : 0;
	char *out, *o;

	*owned = NULL;
	if (!s || all_visible(s, n, keep))
		return s ? s : "";
	if (!(o = out = malloc(3 * n + 1)))
		abort(); /* a copy of a string already in memory: the process is done */
	while (n) {
		wchar_t c;
		size_t k = text_decode(s, n, &c);

		if (kept(c, k, keep)) {
			memcpy(o, s, k);
			o += k;
		} else if (c == 0xfffd) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			text_control_mark(c, o);
			o += 2;
		}
		s += k;
		n -= k;
	}
	*o = '\0';
	return *owned = out;
}

void
text_print(FILE *fp, const char *s)
{
	char *owned;

	fputs(text_visible(s, "\n\t", &owned), fp);
	free(owned);
}
