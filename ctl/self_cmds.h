/* ctl/self_cmds: personal links and waitlist checks (issue 18). */
#ifndef CTL_SELF_CMDS_H
#define CTL_SELF_CMDS_H

/* tuttictl my-link ID [--revoke]; returns the exit status. */
int	 cmd_my_link(int argc, char *argv[]);
/* tuttictl waitlist-checks; returns the exit status. */
int	 cmd_waitlist_checks(int argc, char *argv[]);
/* tuttictl offers tick | place SERIES [--send] | link OFFER. */
int	 cmd_offers(int argc, char *argv[]);

#endif
