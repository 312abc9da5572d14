/*
 * report.xlsx: the 项目支出绩效自评表 of doc["forms"] (cli/report_form.c)
 * as a workbook, one sheet per project laid out like the form (A4,
 * fitted to the page width), and a sheet 偏差事实 with the facts behind
 * every deviation and an empty 改进措施 column for the office.  Written
 * with libxlsxwriter through a temporary file and rename.  The only file
 * that includes xlsxwriter.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "cli/export.h"

#define NCOL	9

struct fmts {
	lxw_format	*title, *head, *text, *num, *wrap;
};

static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void
put_num_or_text(lxw_worksheet *ws, int r, int c, const json_t *v,
    const char *none, lxw_format *num, lxw_format *text)
{
	if (json_is_number(v))
		worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c,
		    json_number_value(v), num);
	else
		worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, none, text);
}

static void
label(lxw_worksheet *ws, int r, int c, const char *s, lxw_format *f)
{
	worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, s, f);
}

static void
merge(lxw_worksheet *ws, int r0, int c0, int r1, int c1, const char *s,
    lxw_format *f)
{
	worksheet_merge_range(ws, (lxw_row_t)r0, (lxw_col_t)c0, (lxw_row_t)r1,
	    (lxw_col_t)c1, s, f);
}

/* Sheet name: the project name, cut to Excel's 31 characters. */
static void
sheet_name(const json_t *form, size_t i, char *buf, size_t len)
{
	const char	*s = str(form, "name");
	size_t		 n = 0, chars = 0;

	while (s[n] != '\0' && chars < 28) {
		size_t k = 1;

		while (((unsigned char)s[n + k] & 0xc0) == 0x80)
			k++;
		if (strchr("[]:*?/\\", s[n]) != NULL)
			break;
		n += k;
		chars++;
	}
	snprintf(buf, len, "%zu %.*s", i + 1, (int)n, s);
}

static void
form_sheet(lxw_worksheet *ws, const json_t *form, const struct fmts *f)
{
	const json_t	*b = json_object_get(form, "budget"), *r, *fact;
	char		 buf[1024];
	int		 row;
	size_t		 i, k;
	double		 total;

	worksheet_set_paper(ws, 9);	/* A4 */
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_set_column(ws, 0, 1, 11, NULL);
	worksheet_set_column(ws, 2, 2, 22, NULL);
	worksheet_set_column(ws, 3, 7, 11, NULL);
	worksheet_set_column(ws, 8, 8, 40, NULL);
	merge(ws, 0, 0, 0, NCOL - 1, "项目支出绩效自评表", f->title);
	snprintf(buf, sizeof(buf), "（%d 年度） 填报单位：%s",
	    (int)json_integer_value(json_object_get(form, "year")),
	    str(form, "unit"));
	merge(ws, 1, 0, 1, NCOL - 1, buf, f->text);
	label(ws, 2, 0, "项目名称", f->head);
	merge(ws, 2, 1, 2, 4, str(form, "name"), f->text);
	label(ws, 2, 5, "项目编码", f->head);
	merge(ws, 2, 6, 2, 8, str(form, "code"), f->text);
	label(ws, 3, 0, "主管部门", f->head);
	merge(ws, 3, 1, 3, 4, str(form, "department"), f->text);
	label(ws, 3, 5, "实施单位", f->head);
	merge(ws, 3, 6, 3, 8, str(form, "implementer"), f->text);
	/* 项目资金 */
	merge(ws, 4, 0, 8, 0, "项目资金（万元）", f->head);
	label(ws, 4, 1, "", f->head);
	label(ws, 4, 2, "年初预算数", f->head);
	label(ws, 4, 3, "全年预算数", f->head);
	label(ws, 4, 4, "全年执行数", f->head);
	label(ws, 4, 5, "分值", f->head);
	label(ws, 4, 6, "执行率", f->head);
	label(ws, 4, 7, "得分", f->head);
	label(ws, 5, 1, "年度资金总额", f->text);
	put_num_or_text(ws, 5, 2, json_object_get(b, "initial"), "", f->num,
	    f->text);
	put_num_or_text(ws, 5, 3, json_object_get(b, "full"), "", f->num,
	    f->text);
	put_num_or_text(ws, 5, 4, json_object_get(b, "executed"), "待填报",
	    f->num, f->text);
	put_num_or_text(ws, 5, 5, json_object_get(b, "points"), "", f->num,
	    f->text);
	put_num_or_text(ws, 5, 6, json_object_get(b, "rate"), "待填报", f->num,
	    f->text);
	put_num_or_text(ws, 5, 7, json_object_get(b, "score"), "待填报",
	    f->num, f->text);
	label(ws, 6, 1, "其中：本年财政拨款", f->text);
	put_num_or_text(ws, 6, 3, json_object_get(b, "fiscal"), "", f->num,
	    f->text);
	label(ws, 7, 1, "上年结转资金", f->text);
	put_num_or_text(ws, 7, 3, json_object_get(b, "carryover"), "", f->num,
	    f->text);
	label(ws, 8, 1, "其他资金", f->text);
	put_num_or_text(ws, 8, 3, json_object_get(b, "other"), "", f->num,
	    f->text);
	/* 年度总体目标 */
	merge(ws, 9, 0, 10, 0, "年度总体目标", f->head);
	merge(ws, 9, 1, 9, 4, "预期目标", f->head);
	merge(ws, 9, 5, 9, 8, "实际完成情况", f->head);
	merge(ws, 10, 1, 10, 4, str(form, "goal"), f->wrap);
	merge(ws, 10, 5, 10, 8, str(form, "result"), f->wrap);
	worksheet_set_row(ws, 10, 45, NULL);
	/* 绩效指标 */
	{
		static const char *const h[NCOL] = { "一级指标", "二级指标",
			"三级指标", "年度指标值", "实际完成值", "来源", "分值",
			"得分", "偏差原因分析及改进措施" };

		for (int c = 0; c < NCOL; c++)
			label(ws, 11, c, h[c], f->head);
	}
	row = 12;
	json_array_foreach(json_object_get(form, "rows"), i, r) {
		size_t used;

		label(ws, row, 0, str(r, "level1"), f->text);
		label(ws, row, 1, str(r, "level2"), f->text);
		label(ws, row, 2, str(r, "name"), f->wrap);
		label(ws, row, 3, str(r, "target_text"), f->text);
		snprintf(buf, sizeof(buf), "%s%s%s", str(r, "actual_text"),
		    *str(r, "num_den") ? "\n" : "", str(r, "num_den"));
		label(ws, row, 4, buf, f->wrap);
		label(ws, row, 5, str(r, "source_text"), f->text);
		if (json_is_null(json_object_get(r, "score")))
			label(ws, row, 6, "—", f->text);
		else
			put_num_or_text(ws, row, 6, json_object_get(r,
			    "scaled_points"), "—", f->num, f->text);
		put_num_or_text(ws, row, 7, json_object_get(r, "score"), "—",
		    f->num, f->text);
		used = (size_t)snprintf(buf, sizeof(buf), "%s",
		    str(r, "deviation"));
		json_array_foreach(json_object_get(r, "facts"), k, fact) {
			if (used >= sizeof(buf))
				break;
			used += (size_t)snprintf(buf + used, sizeof(buf) - used,
			    "\n· %s", json_string_value(fact));
		}
		label(ws, row, 8, buf, f->wrap);
		row++;
	}
	total = json_number_value(json_object_get(form, "total"));
	merge(ws, row, 0, row, 5, json_is_true(json_object_get(form,
	    "scaled")) ? "总分（部分指标不适用，按百分制折算）" : "总分", f->head);
	worksheet_write_number(ws, (lxw_row_t)row, 6, 100, f->num);
	worksheet_write_number(ws, (lxw_row_t)row, 7, total, f->num);
	label(ws, row, 8, "", f->text);
	row++;
	label(ws, row, 0, "评价结论", f->head);
	merge(ws, row, 1, row, 8, str(form, "conclusion"), f->wrap);
	row++;
	label(ws, row, 0, "存在问题", f->head);
	merge(ws, row, 1, row, 8, str(form, "problems"), f->wrap);
	row++;
	label(ws, row, 0, "改进措施", f->head);
	merge(ws, row, 1, row, 8, str(form, "measures"), f->wrap);
	row++;
	label(ws, row, 0, "项目负责人", f->head);
	label(ws, row, 1, "", f->text);
	label(ws, row, 2, "财务负责人", f->head);
	label(ws, row, 3, "", f->text);
	label(ws, row, 4, "填报人", f->head);
	label(ws, row, 5, "", f->text);
	label(ws, row, 6, "填报日期", f->head);
	merge(ws, row, 7, row, 8, "", f->text);
}

static void
facts_sheet(lxw_worksheet *ws, const json_t *forms, const struct fmts *f)
{
	static const char *const h[] = { "项目 Project", "指标 Indicator",
		"实际完成值 Actual", "来源 Source", "事实 Fact",
		"改进措施 Remedy" };
	const json_t	*form, *r, *fact;
	size_t		 i, k, j;
	int		 row = 1;

	worksheet_set_column(ws, 0, 1, 22, NULL);
	worksheet_set_column(ws, 2, 3, 14, NULL);
	worksheet_set_column(ws, 4, 5, 60, NULL);
	for (int c = 0; c < 6; c++)
		label(ws, 0, c, h[c], f->head);
	json_array_foreach(forms, i, form) {
		json_array_foreach(json_object_get(form, "rows"), k, r) {
			json_array_foreach(json_object_get(r, "facts"), j, fact) {
				label(ws, row, 0, str(form, "name"), f->text);
				label(ws, row, 1, str(r, "name"), f->text);
				label(ws, row, 2, str(r, "actual_text"), f->text);
				label(ws, row, 3, str(r, "source_text"), f->text);
				label(ws, row, 4, json_string_value(fact),
				    f->wrap);
				label(ws, row, 5, "", f->wrap);
				row++;
			}
		}
	}
}

/*
 * libxlsxwriter writes to a file name only: the workbook goes to a
 * private temporary file, then through cli_outfile (regular files only,
 * --force, every write checked, fsync, rename) to DIR/report.xlsx.
 */
static int
copy_out(const char *from, const char *path, bool force, char *err,
    size_t errlen)
{
	struct cli_outfile	 o;
	FILE			*in;
	char			 buf[65536];
	size_t			 n;
	int			 bad = 0;

	if ((in = fopen(from, "rb")) == NULL) {
		snprintf(err, errlen, "%.900s: %s", from, strerror(errno));
		return -1;
	}
	if (cli_outfile_open(&o, path, force, err, errlen) == -1) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, o.f) != n)
			bad = 1;
	bad |= ferror(in) != 0;
	fclose(in);
	return cli_outfile_commit(&o, bad, err, errlen);
}

int
report_forms_xlsx(const json_t *doc, const char *dir, bool force, char *err,
    size_t errlen)
{
	const json_t	*forms = json_object_get(doc, "forms"), *form;
	char		 path[4096], tmp[4200], name[128];
	lxw_workbook	*wb;
	struct fmts	 f;
	lxw_error	 e;
	size_t		 i;
	int		 fd, rc;

	snprintf(path, sizeof(path), "%s/report.xlsx", dir);
	snprintf(tmp, sizeof(tmp), "%s/.report.xlsx.XXXXXX", dir);
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%.900s: %s", tmp, strerror(errno));
		return -1;
	}
	close(fd);
	if ((wb = workbook_new(tmp)) == NULL) {
		unlink(tmp);
		snprintf(err, errlen, "%.900s: cannot create the workbook", tmp);
		return -1;
	}
	f.title = workbook_add_format(wb);
	format_set_bold(f.title);
	format_set_font_size(f.title, 16);
	format_set_align(f.title, LXW_ALIGN_CENTER);
	f.head = workbook_add_format(wb);
	format_set_bold(f.head);
	format_set_border(f.head, LXW_BORDER_THIN);
	format_set_bg_color(f.head, 0xEEEEEE);
	format_set_align(f.head, LXW_ALIGN_CENTER);
	format_set_align(f.head, LXW_ALIGN_VERTICAL_CENTER);
	format_set_text_wrap(f.head);
	f.text = workbook_add_format(wb);
	format_set_border(f.text, LXW_BORDER_THIN);
	format_set_align(f.text, LXW_ALIGN_VERTICAL_CENTER);
	f.num = workbook_add_format(wb);
	format_set_border(f.num, LXW_BORDER_THIN);
	format_set_num_format(f.num, "0.00");
	format_set_align(f.num, LXW_ALIGN_VERTICAL_CENTER);
	f.wrap = workbook_add_format(wb);
	format_set_border(f.wrap, LXW_BORDER_THIN);
	format_set_text_wrap(f.wrap);
	format_set_align(f.wrap, LXW_ALIGN_VERTICAL_CENTER);
	json_array_foreach(forms, i, form) {
		lxw_worksheet *ws;

		sheet_name(form, i, name, sizeof(name));
		if ((ws = workbook_add_worksheet(wb, name)) == NULL) {
			snprintf(err, errlen, "report.xlsx: cannot add sheet "
			    "'%s'", name);
			workbook_close(wb);
			unlink(tmp);
			return -1;
		}
		form_sheet(ws, form, &f);
	}
	{
		lxw_worksheet *ws = workbook_add_worksheet(wb, "偏差事实 facts");

		if (ws != NULL)
			facts_sheet(ws, forms, &f);
	}
	if ((e = workbook_close(wb)) != LXW_NO_ERROR) {
		snprintf(err, errlen, "%.900s: cannot write: %s", path,
		    lxw_strerror(e));
		unlink(tmp);
		return -1;
	}
	rc = copy_out(tmp, path, force, err, errlen);
	unlink(tmp);
	return rc;
}
