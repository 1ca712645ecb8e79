/* test_text.c: UTF-8 decoding and validation, column widths, fitting, word wrap and control marks. */
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
	};

	setlocale(LC_ALL, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
