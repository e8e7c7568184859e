/*
 * The console's languages: English and Simplified Chinese. Strings are
 * looked up by their English text; a string without a translation stays
 * English. The language comes from ?lang=, the lang cookie, web.language in
 * the config, then the browser's Accept-Language, in that order.
 */
#ifndef NOCD_I18N_H
#define NOCD_I18N_H

enum lang { LANG_EN = 0, LANG_ZH_CN, LANG_COUNT };

/* "en", "zh_CN", "zh-CN", "zh", "zh-Hans"...: 0 and *out, else -1. */
int i18n_parse(const char *code, enum lang *out);
/* The best of our languages in an Accept-Language header (q-values honoured);
 * English when none matches. */
enum lang i18n_from_accept(const char *accept_language);
/* query and cookie may be NULL; conf_default is "auto", "en" or "zh_CN". */
enum lang i18n_choose(const char *query, const char *cookie, const char *conf_default,
	const char *accept_language);
const char *i18n_code(enum lang l);		/* "en", "zh_CN" (cookie, query) */
const char *i18n_html_lang(enum lang l);	/* "en", "zh-CN" (<html lang>) */
const char *i18n_text(enum lang l, const char *english);

#endif
