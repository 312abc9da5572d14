/*
 * The shipped example configurations (conf/agent.ini, conf/collector.ini)
 * are parsed by the tests of the modules that own their sections.
 */
#ifndef SHAOBING_TEST_CONF_EXAMPLE_H
#define SHAOBING_TEST_CONF_EXAMPLE_H

/*
 * The sections of conf/FILE named SECTION ("packet") or SECTION NAME
 * ("target web" for "target"), with the documented options switched on:
 * ";key = value" and ";[section]" lines lose their ';', prose comments
 * ("; text") stay.  Lines keep their numbers' order but not their
 * numbers.  *nopts (when not NULL) gets the number of options that were
 * commented out.  The file is looked up as $SHAOBING_TESTDATA/../../conf/FILE,
 * then conf/FILE (run from the checkout root).  Returns a malloc'd string
 * ("" when no such section), NULL when the file cannot be read.
 */
char	*conf_example_text(const char *file, const char *section, int *nopts);

#endif
