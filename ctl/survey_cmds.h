/* ctl/survey_cmds: the family and partner staff surveys (issue 20). */
#ifndef CTL_SURVEY_CMDS_H
#define CTL_SURVEY_CMDS_H

/*
 * tuttictl surveys tick | send ORGANISATION | link SURVEY: the yearly
 * round of partner staff surveys (as the mailer runs it), asking one
 * organisation's staff now, or printing one invitation's link.
 * Returns the exit status.
 */
int	 cmd_surveys(int argc, char *argv[]);

#define SURVEY_USAGE \
    "       tuttictl surveys tick | send ORGANISATION | link SURVEY\n"

#endif
