/*
 * privacy_cmds: tuttictl's data protection commands (privacy_cmds.c).
 * Each takes the arguments after its name and returns the exit status:
 * 0 done, 1 failed (a message on stderr), 2 bad usage.
 *
 *   export-client ID      everything held about the client, as JSON on
 *                         standard output
 *   erase-client ID       removes or anonymises everything identifying
 *                         the client, keeping the counts reports use
 *   purge [--dry-run]     the retention rule (retention_years)
 *   setting NAME [VALUE]  reads or sets outcome_after, retention_years
 *
 * ID is the client's referral id or reference code (XXXX-XXXX).
 */
#ifndef CTL_PRIVACY_CMDS_H
#define CTL_PRIVACY_CMDS_H

#define PRIVACY_USAGE \
    "       tuttictl export-client ID\n" \
    "       tuttictl erase-client ID\n" \
    "       tuttictl purge [--dry-run]\n" \
    "       tuttictl setting outcome_after|retention_years [VALUE]\n"

int	 cmd_export_client(int argc, char *argv[]);
int	 cmd_erase_client(int argc, char *argv[]);
int	 cmd_purge(int argc, char *argv[]);
int	 cmd_setting(int argc, char *argv[]);

#endif
