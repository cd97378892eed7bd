/*
 * Unit tests for templates/tmpl: one Suite "templates", one TCase per
 * public function (tmpl_render, tmpl_set_add, tmpl_set_load, tmpl_data_*).
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "templates/tmpl.h"

/*
 * Compiles src as template "t" and checks that rendering it with d gives
 * exactly want.
 */
static void
render_is(const char *src, const struct tmpl_data *d, const char *want)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	char err[256] = "";

	ck_assert_msg(tmpl_set_add(set, "t", src, strlen(src), err,
	    sizeof(err)) == 0, "compile failed: %s", err);
	ck_assert_int_eq(tmpl_render(set, "t", d, &out), 0);
	ck_assert_str_eq(buf_cstr(&out), want);
	buf_free(&out);
	tmpl_set_free(set);
}

/*
 * Checks that compiling src fails with an error beginning with
 * "t:<line>:" and containing what.
 */
static void
error_is(const char *src, size_t line, const char *what)
{
	struct tmpl_set *set = tmpl_set_new();
	char err[256] = "", prefix[32];

	ck_assert_int_eq(tmpl_set_add(set, "t", src, strlen(src), err,
	    sizeof(err)), -1);
	(void)snprintf(prefix, sizeof(prefix), "t:%zu: ", line);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
	    "for \"%s\" want \"%s...\", got \"%s\"", src, prefix, err);
	ck_assert_msg(strstr(err, what) != NULL,
	    "for \"%s\" want \"%s\" in \"%s\"", src, what, err);
	/* The failed template must not have been added. */
	{
		struct buf out = BUF_INIT;

		ck_assert_int_eq(tmpl_render(set, "t", NULL, &out), -1);
		buf_free(&out);
	}
	tmpl_set_free(set);
}

/* ---- tmpl_render ---- */

START_TEST(test_render_escape)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_set(d, "v", "<a href=\"x\">Tom & 'Jo'</a>");
	render_is("[{{v}}]", d,
	    "[&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jo&#39;&lt;/a&gt;]");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_raw)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_set(d, "v", "<b>&'\"</b>");
	render_is("{{{v}}}|{{&v}}|{{& v }}|{{{ v }}}", d,
	    "<b>&'\"</b>|<b>&'\"</b>|<b>&'\"</b>|<b>&'\"</b>");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_whitespace_in_tags)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_set(d, "v", "x");
	render_is("{{ v }}{{\tv\t}}{{# v }}s{{/ v }}{{^ v }}i{{/v}}", d,
	    "xxs");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_missing)
{
	struct tmpl_data *d = tmpl_data_new();

	render_is("a{{nope}}b{{{nope}}}c{{&nope}}d", d, "abcd");
	render_is("a{{nope}}b{{#nope}}x{{/nope}}{{^nope}}y{{/nope}}", NULL,
	    "aby");
	/* Bools and lists render as nothing in a variable tag. */
	tmpl_data_bool(d, "b", 1);
	(void)tmpl_data_push(d, "l");
	render_is("[{{b}}{{l}}{{{b}}}]", d, "[]");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_section_list)
{
	struct tmpl_data *d = tmpl_data_new(), *row;
	int i;

	tmpl_data_set(d, "who", "Ann");
	tmpl_data_set(d, "n", "outer");
	for (i = 1; i <= 3; i++) {
		row = tmpl_data_push(d, "rows");
		tmpl_data_setf(row, "n", "%d", i);
	}
	/* The element is innermost; "who" is found in the root. */
	render_is("{{#rows}}{{n}}:{{who}};{{/rows}}{{n}}", d,
	    "1:Ann;2:Ann;3:Ann;outer");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_section_nested)
{
	struct tmpl_data *d = tmpl_data_new(), *g, *m;

	tmpl_data_set(d, "site", "S");
	g = tmpl_data_push(d, "groups");
	tmpl_data_set(g, "g", "A");
	m = tmpl_data_push(g, "members");
	tmpl_data_set(m, "m", "a1");
	m = tmpl_data_push(g, "members");
	tmpl_data_set(m, "m", "a2");
	tmpl_data_set(m, "g", "shadow");
	g = tmpl_data_push(d, "groups");
	tmpl_data_set(g, "g", "B");
	render_is("{{#groups}}<{{g}}{{#members}} {{m}}/{{g}}/{{site}}"
	    "{{/members}}>{{/groups}}", d,
	    "<A a1/A/S a2/shadow/S><B>");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_section_bool)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_bool(d, "yes", 1);
	tmpl_data_bool(d, "no", 0);
	tmpl_data_set(d, "v", "x");
	render_is("{{#yes}}Y{{v}}{{/yes}}{{#no}}N{{/no}}", d, "Yx");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_section_string)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_set(d, "s", "0");
	tmpl_data_set(d, "e", "");
	tmpl_data_set(d, "z", NULL);
	render_is("{{#s}}S{{s}}{{/s}}{{#e}}E{{/e}}{{#z}}Z{{/z}}", d, "S0");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_section_empty_list)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_list(d, "rows");
	render_is("[{{#rows}}r{{/rows}}]", d, "[]");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_inverted)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_bool(d, "t", 1);
	tmpl_data_bool(d, "f", 0);
	tmpl_data_set(d, "s", "x");
	tmpl_data_set(d, "e", "");
	tmpl_data_list(d, "el");
	(void)tmpl_data_push(d, "l");
	(void)tmpl_data_push(d, "l");
	render_is("{{^t}}T{{/t}}{{^f}}F{{/f}}{{^s}}S{{/s}}{{^e}}E{{/e}}"
	    "{{^el}}L{{/el}}{{^l}}N{{/l}}{{^missing}}M{{/missing}}", d,
	    "FELM");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_partial)
{
	struct tmpl_set *set = tmpl_set_new();
	struct tmpl_data *d = tmpl_data_new(), *row;
	struct buf out = BUF_INIT;
	const char *page = "<{{> item }}|{{#rows}}{{>item}}{{/rows}}|"
	    "{{>nope}}>";
	const char *item = "[{{name}}@{{site}}]";

	tmpl_data_set(d, "name", "root");
	tmpl_data_set(d, "site", "S");
	row = tmpl_data_push(d, "rows");
	tmpl_data_set(row, "name", "r1");
	row = tmpl_data_push(d, "rows");
	tmpl_data_set(row, "name", "r2");
	/* A partial may be added after the template that uses it. */
	ck_assert_int_eq(tmpl_set_add(set, "page", page, strlen(page),
	    NULL, 0), 0);
	ck_assert_int_eq(tmpl_set_add(set, "item", item, strlen(item),
	    NULL, 0), 0);
	ck_assert_int_eq(tmpl_render(set, "page", d, &out), 0);
	ck_assert_str_eq(buf_cstr(&out), "<[root@S]|[r1@S][r2@S]|>");
	buf_free(&out);
	tmpl_data_free(d);
	tmpl_set_free(set);
}
END_TEST

START_TEST(test_render_partial_recursion)
{
	struct tmpl_set *set = tmpl_set_new();
	struct tmpl_data *d = tmpl_data_new(), *c;
	struct buf out = BUF_INIT;
	const char *loop = "x{{>loop}}";
	const char *node = "({{n}}{{#kids}}{{>node}}{{/kids}})";
	size_t i;

	ck_assert_int_eq(tmpl_set_add(set, "loop", loop, strlen(loop),
	    NULL, 0), 0);
	ck_assert_int_eq(tmpl_render(set, "loop", NULL, &out), 0);
	/* The template itself, then TMPL_PARTIAL_DEPTH nested partials. */
	ck_assert_uint_eq(out.len, TMPL_PARTIAL_DEPTH + 1);
	for (i = 0; i < out.len; i++)
		ck_assert_int_eq(out.data[i], 'x');

	/*
	 * Recursion that data ends: a tree.  Leaves state an empty "kids"
	 * list, else {{#kids}} would find their parent's list outward.
	 */
	buf_reset(&out);
	ck_assert_int_eq(tmpl_set_add(set, "node", node, strlen(node),
	    NULL, 0), 0);
	tmpl_data_set(d, "n", "a");
	c = tmpl_data_push(d, "kids");
	tmpl_data_set(c, "n", "b");
	c = tmpl_data_push(c, "kids");
	tmpl_data_set(c, "n", "c");
	tmpl_data_list(c, "kids");
	c = tmpl_data_push(d, "kids");
	tmpl_data_set(c, "n", "d");
	tmpl_data_list(c, "kids");
	ck_assert_int_eq(tmpl_render(set, "node", d, &out), 0);
	ck_assert_str_eq(buf_cstr(&out), "(a(b(c))(d))");
	buf_free(&out);
	tmpl_data_free(d);
	tmpl_set_free(set);
}
END_TEST

START_TEST(test_render_comment)
{
	render_is("a{{! a comment }}b{{!\nspans\nlines }}c{{!}}d", NULL,
	    "abcd");
	/* A comment does not end at a single brace. */
	render_is("a{{! x } y }}b", NULL, "ab");
}
END_TEST

START_TEST(test_render_standalone)
{
	struct tmpl_set *set;
	struct tmpl_data *d = tmpl_data_new();
	struct buf out = BUF_INIT;
	const char *part = "P\n";

	tmpl_data_bool(d, "s", 1);
	tmpl_data_set(d, "v", "V");
	render_is("a\n{{#s}}\nb\n{{/s}}\nc\n", d, "a\nb\nc\n");
	render_is("a\n  {{#s}}  \n\tb\n\t{{/s}}\nc", d, "a\n\tb\nc");
	render_is("a\r\n{{#s}}\r\nb\r\n{{/s}}\r\n", d, "a\r\nb\r\n");
	render_is("{{#s}}\nb\n{{/s}}", d, "b\n");
	render_is("a\n{{^s}}\nno\n{{/s}}\nc\n", d, "a\nc\n");
	render_is("a\n  {{! note }}\nb\n", d, "a\nb\n");
	render_is("a\n{{!\nmulti\n}}\nb\n", d, "a\nb\n");
	/* Not standalone: variables, other text, two tags on a line. */
	render_is("{{v}}\n", d, "V\n");
	render_is("  {{{v}}}  \n", d, "  V  \n");
	render_is("x {{#s}}y{{/s}}\n", d, "x y\n");
	render_is("{{#s}}{{/s}}\n", d, "\n");
	render_is("{{#s}}y\n{{/s}} z\n", d, "y\n z\n");

	set = tmpl_set_new();
	ck_assert_int_eq(tmpl_set_add(set, "p", part, strlen(part),
	    NULL, 0), 0);
	ck_assert_int_eq(tmpl_set_add(set, "t", "a\n  {{> p}}\nb\n",
	    strlen("a\n  {{> p}}\nb\n"), NULL, 0), 0);
	ck_assert_int_eq(tmpl_render(set, "t", d, &out), 0);
	ck_assert_str_eq(buf_cstr(&out), "a\nP\nb\n");
	buf_free(&out);
	tmpl_set_free(set);
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_render_binary_text)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	const char src[] = "a\0b{{x}}{\0}";

	ck_assert_int_eq(tmpl_set_add(set, "t", src, sizeof(src) - 1,
	    NULL, 0), 0);
	ck_assert_int_eq(tmpl_render(set, "t", NULL, &out), 0);
	ck_assert_uint_eq(out.len, 6);
	ck_assert(memcmp(out.data, "a\0b{\0}", 6) == 0);
	/* A NUL byte in a tag is part of the name, never a sigil. */
	buf_reset(&out);
	ck_assert_int_eq(tmpl_set_add(set, "t", "{{\0#a}}{{/a}}", 13,
	    NULL, 0), -1);
	ck_assert_int_eq(tmpl_set_add(set, "t", "[{{\0a}}]", 8, NULL, 0),
	    0);
	ck_assert_int_eq(tmpl_render(set, "t", NULL, &out), 0);
	ck_assert_uint_eq(out.len, 2);
	ck_assert_str_eq(buf_cstr(&out), "[]");
	buf_free(&out);
	tmpl_set_free(set);
}
END_TEST

START_TEST(test_render_no_such_template)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;

	ck_assert_int_eq(tmpl_render(set, "nope", NULL, &out), -1);
	ck_assert_uint_eq(out.len, 0);
	buf_puts(&out, "keep");
	ck_assert_int_eq(tmpl_set_add(set, "t", "+", 1, NULL, 0), 0);
	ck_assert_int_eq(tmpl_render(set, "nope", NULL, &out), -1);
	ck_assert_int_eq(tmpl_render(set, "t", NULL, &out), 0);
	ck_assert_str_eq(buf_cstr(&out), "keep+");
	buf_free(&out);
	tmpl_set_free(set);
}
END_TEST

START_TEST(test_render_large_list)
{
	struct tmpl_set *set = tmpl_set_new();
	struct tmpl_data *d = tmpl_data_new(), *row;
	struct buf out = BUF_INIT, want = BUF_INIT;
	const char *src = "<table>\n{{#rows}}\n<tr><td>{{id}}</td>"
	    "<td>{{name}}</td>{{#even}}<td>even</td>{{/even}}</tr>\n"
	    "{{/rows}}\n</table>\n";
	int i, n = 20000;

	buf_puts(&want, "<table>\n");
	for (i = 0; i < n; i++) {
		row = tmpl_data_push(d, "rows");
		tmpl_data_setf(row, "id", "%d", i);
		tmpl_data_setf(row, "name", "<n%d>", i);
		tmpl_data_bool(row, "even", i % 2 == 0);
		buf_printf(&want, "<tr><td>%d</td><td>&lt;n%d&gt;</td>%s"
		    "</tr>\n", i, i, i % 2 == 0 ? "<td>even</td>" : "");
	}
	buf_puts(&want, "</table>\n");
	ck_assert_int_eq(tmpl_set_add(set, "t", src, strlen(src), NULL, 0),
	    0);
	ck_assert_int_eq(tmpl_render(set, "t", d, &out), 0);
	ck_assert_uint_eq(out.len, want.len);
	ck_assert(memcmp(out.data, want.data, want.len) == 0);
	/* Rendering again gives the same bytes. */
	buf_reset(&out);
	ck_assert_int_eq(tmpl_render(set, "t", d, &out), 0);
	ck_assert(out.len == want.len &&
	    memcmp(out.data, want.data, want.len) == 0);
	buf_free(&out);
	buf_free(&want);
	tmpl_data_free(d);
	tmpl_set_free(set);
}
END_TEST

/* ---- tmpl_set_add ---- */

START_TEST(test_add_unterminated)
{
	error_is("a\nb\nc {{name\n}", 3, "unterminated");
	error_is("a\nb\n{{{name}}\n", 3, "unterminated");
	error_is("a\nb\n{{! comment\n", 3, "unterminated");
	error_is("a\nb\n{{", 3, "unterminated");
	error_is("a\nb\n{{{", 3, "unterminated");
}
END_TEST

START_TEST(test_add_unclosed)
{
	error_is("a\nb\n{{#sec}}\nx\n", 3, "{{#sec}} is never closed");
	error_is("a\n{{#a}}\n{{^b}}{{/b}}\n", 2, "{{#a}} is never closed");
	error_is("{{#a}}\n\n{{^b}}\n", 3, "{{^b}} is never closed");
}
END_TEST

START_TEST(test_add_mismatched)
{
	error_is("{{#a}}\nb\n{{/b}}", 3, "{{/b}} closes {{#a}} of line 1");
	error_is("{{#a}}{{^b}}\n\n{{/a}}{{/b}}", 3, "closes {{^b}} of line 1");
	error_is("a\n\n{{/a}}", 3, "closes no section");
	error_is("{{#a}}{{/a}}\n\n{{/a}}", 3, "closes no section");
}
END_TEST

START_TEST(test_add_bad_name)
{
	error_is("a\n\n{{}}", 3, "empty name");
	error_is("a\n\n{{  }}", 3, "empty name");
	error_is("a\n\n{{# }}{{/}}", 3, "empty name");
	error_is("a\n\n{{{}}}", 3, "empty name");
	error_is("a\n\n{{&}}", 3, "empty name");
	error_is("a\n\n{{>}}", 3, "empty name");
	error_is("a\n\n{{/ }}", 3, "empty name");
	error_is("a\n\n{{a b}}", 3, "bad name");
	error_is("a\n\n{{{{a}}}", 3, "bad name");
	error_is("a\n\n{{=<% %>=}}", 3, "delimiter");
}
END_TEST

START_TEST(test_add_nesting)
{
	struct buf src = BUF_INIT;
	int i;

	buf_puts(&src, "\n\n");
	for (i = 0; i <= TMPL_SECTION_DEPTH; i++)
		buf_puts(&src, "{{#a}}");
	error_is(buf_cstr(&src), 3, "nested deeper");

	/* Exactly TMPL_SECTION_DEPTH deep is fine. */
	buf_reset(&src);
	for (i = 0; i < TMPL_SECTION_DEPTH; i++)
		buf_puts(&src, "{{#a}}");
	buf_putc(&src, 'x');
	for (i = 0; i < TMPL_SECTION_DEPTH; i++)
		buf_puts(&src, "{{/a}}");
	{
		struct tmpl_data *d = tmpl_data_new();

		tmpl_data_bool(d, "a", 1);
		render_is(buf_cstr(&src), d, "x");
		tmpl_data_free(d);
	}
	buf_free(&src);
}
END_TEST

START_TEST(test_add_replace)
{
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	char err[8];

	ck_assert_int_eq(tmpl_set_add(set, "t", "one", 3, NULL, 0), 0);
	ck_assert_int_eq(tmpl_set_add(set, "t", "two", 3, NULL, 0), 0);
	/* A failed add leaves the old template; a short err is cut. */
	ck_assert_int_eq(tmpl_set_add(set, "t", "{{#x}}", 6, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "t:1: {{");
	ck_assert_int_eq(tmpl_set_add(set, "t", "{{", 2, NULL, 0), -1);
	ck_assert_int_eq(tmpl_render(set, "t", NULL, &out), 0);
	ck_assert_str_eq(buf_cstr(&out), "two");
	/* An empty template is fine. */
	ck_assert_int_eq(tmpl_set_add(set, "e", NULL, 0, NULL, 0), 0);
	ck_assert_int_eq(tmpl_render(set, "e", NULL, &out), 0);
	ck_assert_str_eq(buf_cstr(&out), "two");
	buf_free(&out);
	tmpl_set_free(set);
	tmpl_set_free(NULL);
}
END_TEST

/* ---- tmpl_set_load ---- */

/* Writes s into dir/name. */
static void
write_file(const char *dir, const char *name, const char *s)
{
	char path[512];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(s, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

/* Removes dir/name (a file or an empty directory). */
static void
remove_file(const char *dir, const char *name)
{
	char path[512];

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_int_eq(remove(path), 0);
}

START_TEST(test_load)
{
	char dir[] = "/tmp/check_templates.XXXXXX", err[512] = "";
	char path[600];
	struct tmpl_set *set;
	struct tmpl_data *d = tmpl_data_new();
	struct buf out = BUF_INIT;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "page.html", "<h1>{{title}}</h1>\n{{> footer.html}}\n");
	write_file(dir, "footer.html", "<footer>{{title}}</footer>\n");
	write_file(dir, "mail_ack.txt", "Dear {{name}},\n");
	write_file(dir, "empty.txt", "");
	write_file(dir, "notes.md", "{{#broken");
	write_file(dir, ".hidden.html", "{{#broken");
	(void)snprintf(path, sizeof(path), "%s/sub.html", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);

	set = tmpl_set_load(dir, err, sizeof(err));
	ck_assert_msg(set != NULL, "load: %s", err);
	tmpl_data_set(d, "title", "T&C");
	tmpl_data_set(d, "name", "Ann");
	ck_assert_int_eq(tmpl_render(set, "page.html", d, &out), 0);
	ck_assert_str_eq(buf_cstr(&out),
	    "<h1>T&amp;C</h1>\n<footer>T&amp;C</footer>\n");
	buf_reset(&out);
	ck_assert_int_eq(tmpl_render(set, "mail_ack.txt", d, &out), 0);
	ck_assert_str_eq(buf_cstr(&out), "Dear Ann,\n");
	ck_assert_int_eq(tmpl_render(set, "empty.txt", d, &out), 0);
	ck_assert_str_eq(buf_cstr(&out), "Dear Ann,\n");
	ck_assert_int_eq(tmpl_render(set, "notes.md", d, &out), -1);
	ck_assert_int_eq(tmpl_render(set, ".hidden.html", d, &out), -1);
	ck_assert_int_eq(tmpl_render(set, "sub.html", d, &out), -1);
	ck_assert_int_eq(tmpl_render(set, "page", d, &out), -1);
	tmpl_set_free(set);

	/* A syntax error names the file and the line. */
	write_file(dir, "bad.txt", "ok\n{{#open}}\n");
	ck_assert_ptr_null(tmpl_set_load(dir, err, sizeof(err)));
	ck_assert_msg(strstr(err, "/bad.txt:2: ") != NULL, "got %s", err);
	ck_assert_msg(strncmp(err, dir, strlen(dir)) == 0, "got %s", err);

	remove_file(dir, "bad.txt");
	remove_file(dir, "page.html");
	remove_file(dir, "footer.html");
	remove_file(dir, "mail_ack.txt");
	remove_file(dir, "notes.md");
	remove_file(dir, "empty.txt");
	remove_file(dir, ".hidden.html");
	remove_file(dir, "sub.html");

	/* An empty directory gives an empty set. */
	ck_assert_ptr_nonnull(set = tmpl_set_load(dir, err, sizeof(err)));
	ck_assert_int_eq(tmpl_render(set, "page.html", d, &out), -1);
	tmpl_set_free(set);
	ck_assert_int_eq(rmdir(dir), 0);

	/* A missing directory is an I/O error naming it. */
	ck_assert_ptr_null(tmpl_set_load(dir, err, sizeof(err)));
	ck_assert_msg(strstr(err, dir) != NULL, "got %s", err);
	ck_assert_ptr_null(tmpl_set_load(dir, NULL, 0));

	buf_free(&out);
	tmpl_data_free(d);
}
END_TEST

/* ---- tmpl_data_* ---- */

START_TEST(test_data_set)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_set(d, "a", "1");
	tmpl_data_set(d, "a", "2");
	tmpl_data_setn(d, "b", "xyz", 2);
	tmpl_data_setf(d, "c", "%s-%03d", "n", 7);
	render_is("{{a}}{{b}}{{c}}", d, "2xyn-007");
	/* The key is copied. */
	{
		char key[] = "k";

		tmpl_data_set(d, key, "v");
		key[0] = 'z';
		render_is("{{k}}{{z}}", d, "v");
	}
	tmpl_data_free(d);
	tmpl_data_free(NULL);
}
END_TEST

START_TEST(test_data_null_hides_outer)
{
	struct tmpl_data *d = tmpl_data_new(), *row;

	tmpl_data_set(d, "err", "outer");
	row = tmpl_data_push(d, "rows");
	tmpl_data_set(row, "err", NULL);
	row = tmpl_data_push(d, "rows");
	render_is("{{#rows}}[{{err}}{{#err}}E{{/err}}]{{/rows}}", d,
	    "[][outerE]");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_data_bool)
{
	struct tmpl_data *d = tmpl_data_new();

	tmpl_data_bool(d, "b", 42);
	render_is("{{#b}}y{{/b}}", d, "y");
	tmpl_data_bool(d, "b", 0);
	render_is("{{#b}}y{{/b}}", d, "");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_data_push)
{
	struct tmpl_data *d = tmpl_data_new(), *row;

	/* Pushing onto a string replaces it with a list. */
	tmpl_data_set(d, "l", "s");
	row = tmpl_data_push(d, "l");
	tmpl_data_set(row, "v", "1");
	row = tmpl_data_push(d, "l");
	tmpl_data_set(row, "v", "2");
	render_is("{{#l}}{{v}}{{/l}}", d, "12");
	/* Setting a list's key frees the list. */
	tmpl_data_set(d, "l", "s");
	render_is("{{#l}}[{{l}}]{{/l}}", d, "[s]");
	(void)tmpl_data_push(d, "l");
	tmpl_data_list(d, "l");
	render_is("{{#l}}x{{/l}}", d, "");
	tmpl_data_free(d);
}
END_TEST

START_TEST(test_data_many_keys)
{
	struct tmpl_data *d = tmpl_data_new(), *row;
	struct buf src = BUF_INIT, want = BUF_INIT;
	char key[16];
	int i, n = 300;

	/* Past a handful of keys a dictionary is indexed; check that path. */
	tmpl_data_set(d, "outer", "O");
	row = tmpl_data_push(d, "rows");
	for (i = 0; i < n; i++) {
		(void)snprintf(key, sizeof(key), "k%d", i);
		tmpl_data_setf(row, key, "%d", i);
	}
	for (i = 0; i < n; i += 7) {
		(void)snprintf(key, sizeof(key), "k%d", i);
		tmpl_data_setf(row, key, "r%d", i);
	}
	buf_puts(&src, "{{#rows}}");
	for (i = n - 1; i >= 0; i--) {
		buf_printf(&src, "{{k%d}},", i);
		buf_printf(&want, i % 7 == 0 ? "r%d," : "%d,", i);
	}
	buf_puts(&src, "{{outer}}{{k300}}{{/rows}}");
	buf_puts(&want, "O");
	render_is(buf_cstr(&src), d, buf_cstr(&want));
	buf_free(&src);
	buf_free(&want);
	tmpl_data_free(d);
}
END_TEST

static Suite *
templates_suite(void)
{
	Suite *s = suite_create("templates");
	TCase *tc;

	tc = tcase_create("tmpl_render");
	tcase_add_test(tc, test_render_escape);
	tcase_add_test(tc, test_render_raw);
	tcase_add_test(tc, test_render_whitespace_in_tags);
	tcase_add_test(tc, test_render_missing);
	tcase_add_test(tc, test_render_section_list);
	tcase_add_test(tc, test_render_section_nested);
	tcase_add_test(tc, test_render_section_bool);
	tcase_add_test(tc, test_render_section_string);
	tcase_add_test(tc, test_render_section_empty_list);
	tcase_add_test(tc, test_render_inverted);
	tcase_add_test(tc, test_render_partial);
	tcase_add_test(tc, test_render_partial_recursion);
	tcase_add_test(tc, test_render_comment);
	tcase_add_test(tc, test_render_standalone);
	tcase_add_test(tc, test_render_binary_text);
	tcase_add_test(tc, test_render_no_such_template);
	tcase_add_test(tc, test_render_large_list);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("tmpl_set_add");
	tcase_add_test(tc, test_add_unterminated);
	tcase_add_test(tc, test_add_unclosed);
	tcase_add_test(tc, test_add_mismatched);
	tcase_add_test(tc, test_add_bad_name);
	tcase_add_test(tc, test_add_nesting);
	tcase_add_test(tc, test_add_replace);
	suite_add_tcase(s, tc);

	tc = tcase_create("tmpl_set_load");
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);

	tc = tcase_create("tmpl_data");
	tcase_add_test(tc, test_data_set);
	tcase_add_test(tc, test_data_null_hides_outer);
	tcase_add_test(tc, test_data_bool);
	tcase_add_test(tc, test_data_push);
	tcase_add_test(tc, test_data_many_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(templates_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
