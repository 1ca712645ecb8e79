/* test_text.c: UTF-8 decoding and validation, column widths, fitting, word wrap and control marks,
 * the ASCII stand-ins of LANG=C. */
#include "qrel/qrel.h"
#include "qrel/text.h"

#include <locale.h>
#include <setjmp.h>
#include <cmocka.h>

static void
test_decode(void **state)
{
	wchar_t c;

	UNUSED(state);
	assert_int_equal(text_decode("é", 2, &c), 2);
	assert_int_equal(c, 0xe9);
	assert_int_equal(text_decode("\xe2\x82\xac", 3, &c), 3);
	assert_int_equal(c, 0x20ac);
	assert_int_equal(text_decode("\xc0\xaf", 2, &c), 1); /* overlong '/' */
	assert_int_equal(c, 0xfffd);
	assert_int_equal(text_decode("\xe2\x82", 2, &c), 1); /* truncated */
	assert_int_equal(c, 0xfffd);
}

static void
test_widths(void **state)
{
	UNUSED(state);
	assert_int_equal(text_width("abc"), 3);
	assert_int_equal(text_width("Zoë"), 3);
	assert_int_equal(text_width("e\xcc\x81"), 1); /* e + combining acute */
	assert_int_equal(text_width("日本"), 4);
	assert_int_equal(text_width("a\x1b[31m"), 1 + 2 + 4); /* ESC shows as a two-column mark */
}

static void
test_fit(void **state)
{
	UNUSED(state);
	assert_int_equal(text_fit("Zoë Ng", 3), strlen("Zoë"));
	assert_int_equal(text_fit("日本語", 3), strlen("日")); /* a wide char never splits */
	assert_int_equal(text_fit("abc", 10), 3);
}

static void
test_control_marks(void **state)
{
	char mark[3];

	UNUSED(state);
	assert_false(text_printable(0x1b));
	assert_false(text_printable(0x9b)); /* C1 CSI */
	assert_false(text_printable(0x202e)); /* right-to-left override */
	assert_true(text_printable(0xe9));
	text_control_mark(0x1b, mark);
	assert_string_equal(mark, "^[");
}

static void
test_wrap(void **state)
{
	const char *s = "the quick brown fox jumps", *next;
	size_t len;

	UNUSED(state);
	next = text_wrap(s, 10, &len);
	assert_int_equal(len, strlen("the quick"));
	next = text_wrap(next, 10, &len);
	assert_int_equal(len, strlen("brown fox"));
	next = text_wrap(next, 10, &len);
	assert_int_equal(len, strlen("jumps"));
	assert_null(text_wrap(next, 10, &len));
	next = text_wrap("abcdefghijkl", 5, &len); /* a word longer than the line is cut */
	assert_int_equal(len, 5);
	next = text_wrap("one\ntwo", 10, &len);
	assert_int_equal(len, 3);
	assert_string_equal(next, "two");
}

static void
test_valid(void **state)
{
	size_t bad = 99;

	UNUSED(state);
	assert_true(text_valid("Zoë 日本 \xf0\x9f\x98\x80", strlen("Zoë 日本 \xf0\x9f\x98\x80"), NULL));
	assert_true(text_valid("\xef\xbf\xbd", 3, NULL)); /* a real U+FFFD is text */
	assert_false(text_valid("ab\xff", 3, &bad));
	assert_int_equal(bad, 2);
	assert_false(text_valid("a\xe2\x82", 3, &bad)); /* cut mid-character */
	assert_int_equal(bad, 1);
	assert_false(text_valid("\xc0\xaf", 2, NULL)); /* overlong */
	assert_false(text_valid("\xed\xa0\x80", 3, NULL)); /* surrogate */
	assert_false(text_valid("\xf4\x90\x80\x80", 4, NULL)); /* past U+10FFFF */
}

static void
test_visible(void **state)
{
	char *owned;
	const char *plain = "plain text, é";

	UNUSED(state);
	assert_ptr_equal(text_visible(plain, "", &owned), plain); /* nothing to change: no copy */
	assert_null(owned);
	assert_string_equal(text_visible("a\033]52;c;aGk=\ab", "", &owned), "a^[]52;c;aGk=^Gb");
	free(owned);
	assert_string_equal(text_visible("x\xc2\x9b" "31m", "", &owned), "x^~31m"); /* C1 CSI as a character */
	free(owned);
	assert_string_equal(text_visible("x\x9b" "31m", "", &owned), "x\xef\xbf\xbd" "31m"); /* a lone byte */
	free(owned);
	assert_string_equal(text_visible("\xe2\x80\xae" "evil\x7f", "", &owned), "^~evil^?"); /* bidi override, DEL */
	free(owned);
	assert_string_equal(text_visible("l1\nl2\t\r", "\n\t", &owned), "l1\nl2\t^M");
	free(owned);
	assert_string_equal(text_visible(NULL, "", &owned), "");
}

/* s as an ASCII-only terminal shows it (ui_text's rule): controls as their
 * marks, each other character as text_ascii_of in each of its columns. */
static void
ascii_of(const char *s, char *out, size_t size)
{
	size_t n = strlen(s), o = 0;

	while (n && o + 3 < size) {
		wchar_t c;
		size_t k = text_decode(s, n, &c);

		if (!text_printable(c)) {
			text_control_mark(c, out + o);
			o += 2;
		} else {
			for (int i = 0; i < text_char_width(c); i++)
				out[o++] = text_ascii_of(c);
		}
		s += k;
		n -= k;
	}
	out[o] = '\0';
}

/* LANG=C: Latin letters lose any marks, precomposed (Vietnamese included) or
 * combining; the rest is "?"; controls keep their marks. */
static void
test_ascii(void **state)
{
	char out[64];

	UNUSED(state);
	setlocale(LC_CTYPE, "C");
	ascii_of("Nguyễn", out, sizeof(out));
	assert_string_equal(out, "Nguyen");
	ascii_of("Đặng Thị Ánh", out, sizeof(out));
	assert_string_equal(out, "Dang Thi Anh");
	ascii_of("Ségolène Łukasz Ørsted Phương", out, sizeof(out));
	assert_string_equal(out, "Segolene Lukasz Orsted Phuong");
	ascii_of("Nguye\xcc\x82\xcc\x83n", out, sizeof(out));	/* decomposed: e + two combining marks */
	assert_string_equal(out, "Nguyen");
	assert_int_equal(text_width("Nguye\xcc\x82\xcc\x83n"), 6);
	ascii_of("東京 Ａ", out, sizeof(out));	/* CJK: one "?" a column; fullwidth A */
	assert_string_equal(out, "?? A");
	ascii_of("Zoë\x1b[31m\xc2\x9b", out, sizeof(out));	/* controls stay neutralised */
	assert_string_equal(out, "Zoe^[[31m^~");
	assert_int_equal(text_ascii_of(0x3b1), '?');	/* Greek alpha */
	assert_int_equal(text_ascii_of(0x301), '\0');	/* a combining mark alone */
	setlocale(LC_CTYPE, "C.UTF-8");
	ascii_of("Nguyễn 東", out, sizeof(out));	/* display.ascii under a UTF-8 locale: CJK two columns */
	assert_string_equal(out, "Nguyen ??");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_control_marks),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_visible),
		cmocka_unit_test(test_ascii),
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
