"""Permissions the survey gives each role (merged by ``roles_sync``).

Researchers run the survey and may export microdata; district roles only read roll-ups
of their own district (decided in ``access.py``), never respondent files.
"""

from learning_platform.accounts.roles import Role

ROLE_PERMISSIONS = {
    Role.RESEARCHER: [
        "survey.view_sampledesign",
        "survey.add_sampledesign",
        "survey.view_job",
        "survey.add_job",
        "survey.change_job",
        "survey.view_respondent",
        "survey.view_weightset",
        "survey.view_scoreset",
        "survey.view_rollup",
        "survey.add_cutscoreset",
        "survey.view_cutscoreset",
    ],
}
