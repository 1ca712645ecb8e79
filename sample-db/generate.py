#!/usr/bin/env python3
"""Generate the sample review: a fictional district's QREL as CSV files.

Riverbend Unified School District is invented, and so is everyone in it. The
review follows the shape of a real district review (see shared/seeds): six
school visits, 22 interviews, 15 focus groups, document reviews, surveys and
a self-evaluation per school, scored on frameworks/qrel-equity.ini.

The build never runs this script. The CSV files it writes beside it are
committed and are the source of truth; run it again only to regenerate them
after changing the data below:

    python3 sample-db/generate.py

Python 3 standard library only. Every id and every number is deterministic:
ids are name-based UUIDs (uuid3, MD5) of fixed strings, and each random
stream has a fixed seed.

Subgroup data: the district (site DO) has twelve schools. Six are reviewed and
have their own rows; the other six elementary schools appear only in the
district totals, so the DO rows are not the sum of the six schools' rows.
Rows whose group has no students at a site are left out.
"""

import csv
import datetime as dt
import os
import random
import re
import unicodedata
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMEWORK = os.path.join(HERE, '..', 'frameworks', 'qrel-equity.ini')
NS = uuid.UUID('6d1c2a8e-5b0f-4c3e-9a61-2f7e8d4b9c10')  # fixed namespace


def uid(*parts):
    return str(uuid.uuid3(NS, 'qrel-sample/' + '/'.join(parts)))


def nfc(s):
    return unicodedata.normalize('NFC', s)


# ---------------------------------------------------------------------------
# Sites and people
# ---------------------------------------------------------------------------

SITES = [
    ('DO', 'Riverbend Unified District Office', 'district'),
    ('RHS', 'Riverbend High School', 'school'),
    ('EHS', 'Eastbank High School', 'school'),
    ('MMS', 'Millrace Middle School', 'school'),
    ('HMS', 'Hawthorne Middle School', 'school'),
    ('OES', 'Orchard Elementary School', 'school'),
    ('WES', 'Willow Creek Elementary School', 'school'),
]
SCHOOL_CODES = [c for c, _, k in SITES if k == 'school']

LEAD = 'Ségolène Arceneaux'
JOSE = 'José Ramírez'
ZOE = 'Zoë Whitfield'
LAN = 'Nguyễn Thị Lan'
DAN = 'Daniel Osei-Bonsu'
TEAM = [LEAD, JOSE, ZOE, LAN, DAN]
PRINCIPALS = {
    'RHS': 'Patricia Holloway',
    'EHS': 'Marcus Bellamy',
    'MMS': 'Renée Castellanos',
    'HMS': 'Grant Sørensen',
    'OES': 'Maribel Quiñones',
    'WES': 'Samuel Adeyemi',
}
OBSERVER = 'Björn Halvorsen'

PEOPLE = ([(LEAD, 'lead', '')] + [(p, 'reviewer', '') for p in TEAM[1:]]
          + [(PRINCIPALS[c], 'principal', c) for c in SCHOOL_CODES]
          + [(OBSERVER, 'observer', '')])

# ---------------------------------------------------------------------------
# Activities: key, site, source, held_at, facilitator, second team member,
# description (roles and purpose only)
# ---------------------------------------------------------------------------

INT, FG, DOC, OBS, REM, SRV, SELF = ('interview', 'focus_group', 'document_review',
                                      'site_observation', 'remote_observation',
                                      'survey', 'self_evaluation')

ACTIVITIES = [
    # self-evaluations, submitted in the first week
    ('RHS-self', 'RHS', SELF, '2026-02-02T15:30', JOSE, None,
     "Principal's self-evaluation against the rubric, all four domains, reviewed with the principal"),
    ('EHS-self', 'EHS', SELF, '2026-02-03T14:00', ZOE, None,
     "Principal's self-evaluation against the rubric, all four domains, reviewed with the principal and assistant principal"),
    ('MMS-self', 'MMS', SELF, '2026-02-04T15:00', LAN, None,
     "Principal's self-evaluation against the rubric, all four domains, reviewed with the principal"),
    ('HMS-self', 'HMS', SELF, '2026-02-05T13:30', DAN, None,
     "Principal's self-evaluation against the rubric, all four domains, reviewed with the principal"),
    ('OES-self', 'OES', SELF, '2026-02-05T15:45', JOSE, None,
     "Principal's self-evaluation against the rubric, all four domains, reviewed with the principal"),
    ('WES-self', 'WES', SELF, '2026-02-06T14:15', ZOE, None,
     "Principal's self-evaluation against the rubric, all four domains, reviewed with the principal and MTSS coordinator"),
    # district document reviews
    ('DO-doc-plan', 'DO', DOC, '2026-02-09T09:00', LEAD, None,
     'Desk review of the district strategic plan 2024-2029, school committee goals and the two most recent annual progress reports'),
    ('DO-doc-budget', 'DO', DOC, '2026-02-10T09:00', DAN, None,
     'Desk review of the FY26 budget book, staffing formulas and grant allocations by school'),
    ('DO-doc-discipline', 'DO', DOC, '2026-02-10T13:00', DAN, LEAD,
     'Desk review of the code of conduct, discipline procedures and three years of suspension and removal data'),
    ('DO-doc-curriculum', 'DO', DOC, '2026-02-11T09:30', JOSE, None,
     'Desk review of the curriculum review cycle, adoption rubric and social studies review materials'),
    ('DO-doc-hr', 'DO', DOC, '2026-02-12T10:00', ZOE, None,
     'Desk review of staff demographics, hiring and retention data and the draft recruitment plan'),
    ('DO-doc-pd', 'DO', DOC, '2026-02-13T09:00', LAN, None,
     'Desk review of the professional development plan, calendar and session evaluations for 2025-26'),
    # school document reviews
    ('RHS-doc', 'RHS', DOC, '2026-02-16T09:00', JOSE, None,
     'Desk review of the school improvement plan, course catalogue, student handbook and school data profile'),
    ('EHS-doc', 'EHS', DOC, '2026-02-17T09:00', ZOE, None,
     'Desk review of the school improvement plan, course catalogue, discipline summary and school data profile'),
    ('MMS-doc', 'MMS', DOC, '2026-02-18T09:00', LAN, None,
     'Desk review of the school improvement plan, in-school suspension log, placement criteria and school data profile'),
    ('HMS-doc', 'HMS', DOC, '2026-02-19T09:00', DAN, None,
     'Desk review of the school improvement plan, sample unit plans and school data profile'),
    ('OES-doc', 'OES', DOC, '2026-02-19T13:00', JOSE, None,
     'Desk review of the school improvement plan, French Immersion lottery materials and special education referral data'),
    ('WES-doc', 'WES', DOC, '2026-02-20T09:00', ZOE, None,
     'Desk review of the school improvement plan, Title I plan and family engagement calendar'),
    # district interviews
    ('DO-int-supt', 'DO', INT, '2026-02-23T09:00', LEAD, None,
     'Interview with the superintendent: district vision, strategic plan priorities and how progress on equity is monitored'),
    ('DO-int-asst', 'DO', INT, '2026-02-23T13:00', JOSE, None,
     'Interview with the assistant superintendent for teaching and learning: curriculum review, instruction and professional development'),
    ('DO-int-deib', 'DO', INT, '2026-02-24T09:30', LEAD, None,
     'Interview with the director of diversity, equity, inclusion and belonging: restorative practice, bias incident reporting and the equity committee'),
    ('DO-int-sped', 'DO', INT, '2026-02-24T13:30', LAN, None,
     'Interview with the director of student services: special education identification, MTSS and evaluation of English learners'),
    ('DO-int-finance', 'DO', INT, '2026-02-25T10:00', DAN, None,
     'Interview with the director of finance and operations: budget process, allocation formulas and principal input'),
    ('DO-int-hr', 'DO', INT, '2026-02-25T14:00', ZOE, None,
     'Interview with the director of human resources: recruitment, hiring panels and retention of staff of color'),
    ('DO-int-data', 'DO', INT, '2026-02-26T09:00', LAN, None,
     'Interview with the director of data and assessment: dashboards, disaggregation and data protocols'),
    ('DO-int-board', 'DO', INT, '2026-02-26T18:00', LEAD, None,
     'Interview with the school committee chair and vice-chair: governance, goal setting and accountability for equity'),
    ('DO-int-family', 'DO', INT, '2026-02-27T10:00', ZOE, None,
     'Interview with the district family engagement coordinator: translation, interpretation and outreach to families'),
    # remote observations
    ('DO-rem-leadership', 'DO', REM, '2026-03-02T08:30', LEAD, None,
     'Remote observation of the district leadership team meeting (central office directors and all principals)'),
    ('DO-rem-committee', 'DO', REM, '2026-03-03T19:00', DAN, None,
     'Remote observation of the school committee budget hearing, including public comment'),
    ('RHS-rem-data', 'RHS', REM, '2026-03-04T14:30', JOSE, None,
     'Remote observation of a mathematics department data meeting (department chair and 9 teachers)'),
    ('MMS-rem-team', 'MMS', REM, '2026-03-12T11:00', LAN, None,
     'Remote observation of a grade 7 team meeting reviewing reading benchmark data (5 teachers, counsellor, special educator)'),
    # district focus groups
    ('DO-fg-sepac', 'DO', FG, '2026-03-03T18:30', LAN, None,
     'Focus group with the Special Education Parent Advisory Council (9 parents and caregivers): evaluation, placement and communication'),
    ('DO-fg-partners', 'DO', FG, '2026-03-05T10:00', LEAD, None,
     'Focus group with community partner organizations (7 representatives): coordination, reach and role in planning'),
    ('DO-fg-equity', 'DO', FG, '2026-03-31T16:00', LEAD, JOSE,
     'Focus group with the district equity committee (8 teachers and administrators, 3 parents): curriculum review and shared definition of equity'),
    # surveys, district-wide
    ('DO-srv-staff', 'DO', SRV, '2026-03-06T17:00', LAN, None,
     'District staff survey, all schools and central office: 262 of 1,016 staff responded (26%). Climate, belonging, professional learning and equity practice'),
    ('DO-srv-family', 'DO', SRV, '2026-03-13T17:00', ZOE, None,
     'District family survey in English, Spanish, Portuguese, Vietnamese and Haitian Creole: 1,084 responses from about 6,400 families (17%). Welcome, communication and voice'),
    ('DO-srv-student', 'DO', SRV, '2026-03-13T15:00', DAN, None,
     'District student survey, grades 6-12: 2,536 of 5,600 students responded (45%). Belonging, fairness, adult relationships and student voice'),
    # Riverbend High School visit
    ('RHS-obs', 'RHS', OBS, '2026-03-09T07:45', JOSE, LEAD,
     'Site visit: 14 classroom observations across departments, arrival, lunch, the restorative room and the front office'),
    ('RHS-int-principal', 'RHS', INT, '2026-03-09T12:30', JOSE, None,
     'Interview with the principal: school priorities, advanced coursework, data use and staffing'),
    ('RHS-int-dean', 'RHS', INT, '2026-03-09T14:00', DAN, None,
     'Interview with the dean of students and an assistant principal: discipline referrals, suspensions and the restorative room'),
    ('RHS-fg-teachers', 'RHS', FG, '2026-03-09T14:45', JOSE, None,
     'Focus group with 8 teachers and department chairs: grading, instruction, course placement and professional learning'),
    ('RHS-int-guidance', 'RHS', INT, '2026-03-10T09:00', JOSE, None,
     'Interview with the director of guidance and the AP coordinator: course placement, waivers and AP enrolment'),
    ('RHS-fg-students', 'RHS', FG, '2026-03-10T11:15', DAN, ZOE,
     'Focus group with 10 students in grades 10-12, including members of the Black Student Union: belonging, course access and student voice'),
    # Eastbank High School visit
    ('EHS-obs', 'EHS', OBS, '2026-03-11T07:45', ZOE, DAN,
     'Site visit: 12 classroom observations, grade 9 advisory circles, lunch and the family center'),
    ('EHS-int-principal', 'EHS', INT, '2026-03-11T12:30', ZOE, None,
     'Interview with the principal: restorative pilot, budget, hiring and family communication'),
    ('EHS-fg-teachers', 'EHS', FG, '2026-03-11T14:30', ZOE, None,
     'Focus group with 7 teachers from the grade 9 team and academic departments: planning time, UDL, curriculum and grading'),
    ('EHS-int-ap', 'EHS', INT, '2026-03-12T09:00', ZOE, None,
     'Interview with the assistant principal for instruction: walkthroughs, grading, English learner programming'),
    ('EHS-fg-students', 'EHS', FG, '2026-03-12T10:45', ZOE, DAN,
     'Focus group with 9 members of the student equity council, grades 9-12: student voice, climate and course offerings'),
    # Millrace Middle School visit
    ('MMS-obs', 'MMS', OBS, '2026-03-16T07:50', LAN, None,
     'Site visit: 11 classroom observations including French Immersion classes, advisory, the in-school suspension room'),
    ('MMS-int-principal', 'MMS', INT, '2026-03-16T12:15', LAN, None,
     'Interview with the principal: discipline, advisory, French Immersion and accelerated math placement, budget'),
    ('MMS-fg-teachers', 'MMS', FG, '2026-03-16T14:30', LAN, None,
     'Focus group with 6 grade 7 and 8 teachers: grading, curriculum text sets, data use'),
    ('MMS-int-ap', 'MMS', INT, '2026-03-17T09:00', LAN, DAN,
     'Interview with the assistant principal and school adjustment counsellor: in-school suspension referrals and social-emotional support'),
    ('MMS-fg-families', 'MMS', FG, '2026-03-17T18:00', LAN, ZOE,
     'Focus group with 8 family members, with Spanish and Portuguese interpretation: communication, programs and involvement'),
    # Hawthorne Middle School visit
    ('HMS-obs', 'HMS', OBS, '2026-03-18T07:50', DAN, None,
     'Site visit: 10 classroom observations including co-taught classes, lunch and hallways'),
    ('HMS-int-principal', 'HMS', INT, '2026-03-18T12:30', DAN, None,
     'Interview with the principal: inclusion model, school plan, discipline and monitoring of teaching'),
    ('HMS-fg-teachers', 'HMS', FG, '2026-03-18T14:30', DAN, None,
     'Focus group with 6 co-teachers (general and special educators): planning, grading and coaching'),
    ('HMS-int-sped', 'HMS', INT, '2026-03-19T09:00', DAN, LAN,
     'Interview with the special education team chair and inclusion coordinator: pre-referral, evaluation and placement'),
    ('HMS-fg-students', 'HMS', FG, '2026-03-19T10:30', DAN, None,
     'Focus group with 8 grade 8 students: belonging, curriculum and voice'),
    # Orchard Elementary School visit
    ('OES-obs', 'OES', OBS, '2026-03-23T08:15', JOSE, LEAD,
     'Site visit: 8 classroom observations in the French Immersion and English strands, arrival and recess'),
    ('OES-int-principal', 'OES', INT, '2026-03-23T11:45', JOSE, None,
     'Interview with the principal: family engagement, behaviour support and special education referral'),
    ('OES-int-fi', 'OES', INT, '2026-03-23T13:00', JOSE, None,
     'Interview with the French Immersion coordinator: lottery, attrition and support for students with disabilities'),
    ('OES-fg-teachers', 'OES', FG, '2026-03-23T15:00', JOSE, LEAD,
     'Focus group with 5 teachers (2 French Immersion, 3 English strand): assessment, materials and professional learning'),
    ('OES-fg-families', 'OES', FG, '2026-03-23T18:00', JOSE, LEAD,
     'Focus group with 7 family members, PTO and non-PTO, with Spanish interpretation: communication and access to programs'),
    # Willow Creek Elementary School visit
    ('WES-obs', 'WES', OBS, '2026-03-25T08:15', ZOE, LAN,
     'Site visit: 9 classroom observations, breakfast, hallway displays and the family room'),
    ('WES-int-principal', 'WES', INT, '2026-03-25T11:30', ZOE, None,
     'Interview with the principal: partnerships, curriculum materials, staffing and budget'),
    ('WES-int-sped', 'WES', INT, '2026-03-25T13:00', ZOE, LAN,
     'Interview with the special education team chair and MTSS coordinator: pre-referral process and evaluations'),
    ('WES-fg-teachers', 'WES', FG, '2026-03-25T15:00', LAN, None,
     'Focus group with 6 teachers including an EL teacher: data meetings, professional learning and grading'),
    ('WES-fg-families', 'WES', FG, '2026-03-25T17:30', ZOE, LAN,
     'Focus group with 10 family members, with Spanish, Vietnamese and Haitian Creole interpretation: communication, services and belonging'),
    # school-level survey results
    ('RHS-srv', 'RHS', SRV, '2026-03-20T09:00', JOSE, None,
     'School-level results from the district surveys: 812 students (45%), 201 families, 71 staff'),
    ('EHS-srv', 'EHS', SRV, '2026-03-20T10:30', ZOE, None,
     'School-level results from the district surveys: 640 students (43%), 96 families, 63 staff'),
    ('MMS-srv', 'MMS', SRV, '2026-03-20T13:00', LAN, None,
     'School-level results from the district surveys: 598 students (48%), 164 families, 58 staff'),
    ('HMS-srv', 'HMS', SRV, '2026-03-20T14:30', DAN, None,
     'School-level results from the district surveys: 470 students (45%), 112 families, 49 staff'),
    ('OES-srv', 'OES', SRV, '2026-03-27T09:00', JOSE, None,
     'School-level results from the district surveys: 188 families, 32 staff (no student survey below grade 6)'),
    ('WES-srv', 'WES', SRV, '2026-03-27T10:30', ZOE, None,
     'School-level results from the district surveys: 143 families (58 in a language other than English), 27 staff'),
]

# ---------------------------------------------------------------------------
# Evidence notes: activity key, valence, clusters, subgroups, text
# Valence: s strength, g area for growth, n neutral. Subgroup shorthands are
# expanded by SUBGROUP_CODES below. Notes describe systems and practice: no
# student is named.
# ---------------------------------------------------------------------------

SUBGROUP_CODES = {
    'AI': 'race:American Indian or Alaska Native',
    'A': 'race:Asian',
    'B': 'race:Black or African American',
    'H': 'race:Hispanic or Latino',
    'PI': 'race:Native Hawaiian or Other Pacific Islander',
    'W': 'race:White',
    'T': 'race:Two or more races',
    'SWD': 'disability:Students with disabilities',
    'EL': 'ell:English learners',
    'ED': 'econ:Economically disadvantaged',
    'F': 'gender:Female',
    'M': 'gender:Male',
}

NOTES = [
    # ----- District office -------------------------------------------------
    ('DO-int-supt', 'g', '2.1 2.5 2.2', '',
     "Asked how the strategic plan measures progress on equity, the superintendent said the equity pillar 'is more of a lens than a goal' and that metrics would follow 'once the new data system settles'. None of the plan's five goals carries a disaggregated target. He counted eleven district initiatives running this year and agreed that principals 'can't hold all of them at once'."),
    ('DO-int-supt', 'g', '2.5', '',
     'Principal evaluation goals are set one principal at a time. No common equity indicator across principals.'),
    ('DO-int-supt', 's', '2.2 1.3', 'B SWD',
     'Committed to report discipline data by subgroup to the school committee twice a year, starting in May.'),
    ('DO-int-asst', 'n', '3.1 4.4', '',
     'Walked us through the curriculum review cycle. Social studies K-12 is in year two of review and middle school ELA has new text sets. An equity protocol for reviewing materials was drafted with the equity committee but so far has only been used in social studies.'),
    ('DO-int-asst', 'g', '3.4', '',
     "PD described as 'mostly one-off': four district days, topics chosen by the leadership team each summer, no follow-up cycle in classrooms. The assistant superintendent called it 'our weakest link'."),
    ('DO-int-asst', 's', '3.2 3.4', '',
     'UDL adopted as the instructional framework in 2024. First cohort of 30 teacher leaders trained, walkthrough tool in draft.'),
    ('DO-int-asst', 'g', '3.3', '',
     'No district grading policy. High schools let teachers set their own weightings; homework is up to 30% of the grade in some courses.'),
    ('DO-int-deib', 's', '1.3 3.4 1.5', '',
     'The DEIB director runs the restorative practices training (three cohorts, about 140 staff so far) and chairs the equity committee. She built the bias-incident reporting form last year and meets every new teacher in August.'),
    ('DO-int-deib', 'g', '1.5 2.5', 'B',
     "41 bias-incident reports last year, 29 of them from the two high schools. No standard follow-up or closure step and no report back to the families involved. Director: 'we don't always hear what happened next'."),
    ('DO-int-deib', 'g', '2.5 4.4', '',
     "'Equity is seen as my job.' Several principals route equity questions to her office rather than owning them in their buildings."),
    ('DO-int-sped', 'g', '1.4 2.5', 'B H SWD',
     "The director of student services confirmed that over-identification is known: Black students are about 19% of enrolment but more than a quarter of students on IEPs, and Hispanic or Latino students are also above their share. Referral to evaluation is still the main route to extra help in several schools, and tier 2 of MTSS means something different in each building. A state review flagged the district as at risk of 'significant disproportionality' two years ago; the corrective plan was written but has not been monitored since the previous director left."),
    ('DO-int-sped', 'g', '1.4', 'EL',
     'English learners referred for evaluation are rarely assessed in their home language. One bilingual school psychologist for the whole district.'),
    ('DO-int-finance', 'g', '2.3', 'ED EL',
     "The budget is built from last year's allocations adjusted for enrolment. Staffing formulas are per pupil, with no weight for English learners, income or disability beyond what is mandated. Principals submit requests in January but told us they never see the logic of the final allocation. The finance director said a weighted formula 'has been talked about for years' and that the town's timeline leaves no room to model one."),
    ('DO-int-finance', 's', '2.3', '',
     "Grant and Title I funds are tracked by school and posted publicly. The FY26 budget book has a new one-page 'where the money goes' summary."),
    ('DO-int-hr', 'g', '2.4', '',
     'Teaching staff are 86% White; students are just under half White. HR can report hires by race but not retention or exit reasons.'),
    ('DO-int-hr', 's', '2.4 4.2', '',
     'New teacher residency with two regional universities: 9 of this year\'s 14 residents are people of color, with a job guarantee after one year.'),
    ('DO-int-data', 'g', '2.2 1.1', '',
     "The data director showed the district dashboard: achievement, attendance and discipline appear as school and district totals only. Disaggregation is by request to her office, which has two staff, and takes days. Principals receive a PDF data profile in October. There is no common protocol for teacher teams to look at data."),
    ('DO-int-data', 's', '2.2', '',
     'The new student information system (live since August) can export subgroup tables. A suppression rule of fewer than 10 students has been agreed with the state.'),
    ('DO-int-board', 'n', '2.5 2.1', '',
     "Committee chair: the committee receives an annual 'equity update' presentation but has never set equity targets or asked for results by subgroup."),
    ('DO-int-family', 'g', '4.1', 'EL',
     "The family engagement coordinator described district communication as 'mostly newsletters and robocalls'. Key documents are translated into Spanish, Portuguese, Vietnamese and Haitian Creole, but the parent portal and report cards are English only. Interpreters have to be booked a week ahead through her office, and she is the only full-time family engagement post for the district."),
    ('DO-int-family', 's', '4.1 4.4', 'EL',
     "Started monthly 'Café con familias' evenings at two schools last year; 20 to 40 families at each. Families set the agenda."),
    ('DO-fg-sepac', 'g', '1.4 4.1 4.4', 'B SWD M',
     "SEPAC parents called the evaluation process 'a maze'. Team meetings open with a finished draft, and parents of color in the group felt their concerns were set aside. Two parents of Black sons said their children were referred for a behaviour evaluation in first grade 'when what they needed was a teacher who understood them'. The group asked for a plain-language guide to the process and a trained parent mentor."),
    ('DO-fg-sepac', 's', '1.4 3.2', 'SWD',
     "Several parents praised the co-taught classes at Hawthorne and the Willow Creek team chair: 'they plan with you, not for you'."),
    ('DO-fg-partners', 's', '4.2', 'ED',
     'Seven partners attended: a community college, an interfaith council, a youth services agency, the regional food bank, a university social work program, the public library and a Black parents\' network. All described warm relationships with individual principals and concrete services (tutoring, interns, weekend food, homework help).'),
    ('DO-fg-partners', 'g', '4.2 4.4', '',
     "None of the partners was asked to help shape the strategic plan. No map of which partners serve which schools or families. 'We each have our own principal we call.'"),
    ('DO-fg-equity', 'n', '3.1 4.4 2.3', '',
     'Equity committee used the draft protocol on the social studies materials and thinks it works. The committee has no budget and meets after hours without pay.'),
    ('DO-fg-equity', 'g', '3.4 4.4', '',
     "Members said there is 'no shared definition of equity' in the district. Some colleagues still take it to mean treating everyone the same."),
    ('DO-doc-plan', 'g', '2.1 1.1 2.2', '',
     'Strategic plan 2024-2029: five goals. Equity is a separate pillar with four actions and no metrics, owners or dates. Achievement targets in goal 1 are for all students only.'),
    ('DO-doc-plan', 'n', '4.4 2.1', '',
     'The plan was adopted after two public forums. Sign-in sheets show 63 attendees, mostly PTO officers and staff.'),
    ('DO-doc-budget', 'g', '2.3', 'ED',
     'Base per-pupil allocation is identical across schools apart from Title I. Willow Creek receives the same base per pupil as Orchard although nearly five times the share of its students are economically disadvantaged.'),
    ('DO-doc-discipline', 'g', '1.3', 'B SWD ED',
     "Code of conduct and three years of suspension data. District-wide in 2024-25, Black students were suspended out of school at more than four times the rate of all other students, and students with disabilities and economically disadvantaged students were given in-school suspension at about four and five times the rate of their peers. 'Disrespect' and 'disruption' are suspendable offences with no definitions, and together they account for over half of all removals."),
    ('DO-doc-discipline', 's', '1.3', '',
     'Restorative alternatives were added to the code in 2024, with a tiered response grid for elementary schools.'),
    ('DO-doc-curriculum', 'g', '3.1', '',
     'Math and science materials last reviewed seven years ago. The adoption rubric has no equity or representation criteria.'),
    ('DO-doc-hr', 'n', '2.4', '',
     "Draft recruitment plan aims for 'diverse candidate pools' but sets no targets and leaves out retention."),
    ('DO-doc-pd', 'g', '3.4 2.5', '',
     'PD calendar 2025-26: 14 offerings, 3 on equity topics. Evaluation is an exit slip only; nothing on classroom follow-up or student outcomes.'),
    ('DO-rem-committee', 'g', '2.3 2.1', '',
     'Budget hearing: 90 minutes on class sizes and facilities. No reference to equity goals or to the needs of any student group.'),
    ('DO-rem-committee', 'n', '4.1 1.2', 'EL',
     'Public comment: three parents asked for more interpreters at school meetings and for a lottery for French Immersion places at every school.'),
    ('DO-rem-leadership', 'g', '2.5 2.2', '',
     'Twelve agenda items at five minutes each. Equity item postponed to next month. Data shown as district totals only.'),
    ('DO-srv-staff', 's', '2.4 1.5', '',
     '88% of staff agree their school is a nurturing place to work.'),
    ('DO-srv-staff', 'g', '2.4', '',
     "Staff of color (n=58) were less likely to agree that they 'feel a sense of belonging' at work: 61% against 84% of White staff."),
    ('DO-srv-staff', 'g', '3.4', '',
     "Only 38% agree that 'professional development has changed how I teach students who are struggling'."),
    ('DO-srv-family', 'g', '4.1', 'EL',
     "79% of families feel welcome. Responses in Spanish and Vietnamese were much lower on 'I know who to contact with a concern' (52% against 81% overall)."),
    ('DO-srv-student', 'g', '1.3 1.5', 'B W',
     "Black students (n=468) were 20 points less likely than White students to agree that 'rules are applied fairly to everyone'."),
    ('DO-srv-student', 'g', '4.3', '',
     "Only 31% of students agree that 'students have a say in how things are done at school'."),

    # ----- Riverbend High School ---------------------------------------------
    ('RHS-doc', 'g', '2.1 1.1 2.5', '',
     "School improvement plan has three goals (state test scores, attendance, 'culture'). Equity appears only under culture, as 'continue DEI work'. No subgroup targets and no owners."),
    ('RHS-doc', 'g', '1.2', '',
     'Course catalogue: AP entry requires a teacher recommendation and a B+ in the prior honors course. Students cannot self-select.'),
    ('RHS-doc', 's', '1.3', '',
     'Handbook revised in 2025: a restorative conference is now the first response to most level 1 and 2 infractions.'),
    ('RHS-int-principal', 's', '1.2 4.2 2.3', 'B H',
     "The principal is proud of the math department's summer calculus cohort, run with a university partner, which has moved more than 60 Black and Latino students into honors pre-calculus over four years. 'It works because it's a cohort, not a remedial class.' She wants to extend the model to English and science but has no budget line for it."),
    ('RHS-int-principal', 'g', '1.2', 'B H',
     "Acknowledged that AP enrolment 'does not look like our school' but attributed it to student choice."),
    ('RHS-int-principal', 'g', '2.2 2.5', '',
     "Department heads run their own data routines; no school-wide cycle. The principal looks at the district dashboard 'twice a year'."),
    ('RHS-int-principal', 'g', '2.1 2.5', '',
     "Could not name the district's equity goals. Said the school plan was written 'to the template' and is reviewed once a year at the June leadership retreat."),
    ('RHS-int-principal', 'g', '2.4', '',
     'Lost three teachers of color in two years to neighbouring districts that pay more. No exit interviews.'),
    ('RHS-int-dean', 'g', '1.3 2.2', 'B M',
     "The dean said most out-of-school suspension referrals come from a small number of classrooms and 'defiance' is the most common code. He has the figures by teacher but said the school has never looked at them by race 'because it felt too sensitive'. By his own spreadsheet, Black students were about a fifth of enrolment and more than half of out-of-school suspensions last year, most of them boys."),
    ('RHS-int-dean', 's', '1.3', '',
     'Restorative room staffed full time since January. Dean reports fewer in-school suspension assignments than in the fall.'),
    ('RHS-int-guidance', 'g', '1.2 4.1', 'B H EL',
     "Counsellors carry about 300 students each and course placement happens in a 15-minute slot in February. Families who know to ask for a waiver into honors or AP get one; 'the ones who don't ask are disproportionately our Black and Latino families and our English learners'. Waiver requests are not tracked."),
    ('RHS-int-guidance', 'n', '2.2 1.2', '',
     'The AP coordinator produced AP enrolment by race for the first time at our request. It took two days.'),
    ('RHS-fg-teachers', 's', '3.3 1.1', 'EL',
     'Math teachers described common standards-based grading in algebra and geometry, with reassessment. They said failure rates for English learners fell after the switch.'),
    ('RHS-fg-teachers', 'g', '3.3', '',
     "Outside math, 'each teacher has their own gradebook rules'. Late penalties of up to 50% in some courses."),
    ('RHS-fg-teachers', 'g', '3.4', '',
     "Equity PD 'happens to us in August and then disappears'. Teachers asked for coaching in their own classrooms."),
    ('RHS-fg-teachers', 'n', '1.2 3.2', '',
     "Split views on opening AP: some worried about 'watering down'; others said honors prerequisites keep out students who could succeed."),
    ('RHS-fg-students', 'g', '1.2 4.3 1.5', 'B H',
     "Ten students in grades 10-12, most of them Black or Latino. They described being the only student of color in their AP classes and said counsellors 'steer you to what they think you can handle'. Several had never been told how to sign up for AP. They value the Black Student Union and its adviser but said the student council 'is the same kids every year' and does not speak for them."),
    ('RHS-fg-students', 'g', '1.2', '',
     'One student, on course choice: "They call it a choice, but nobody told me there was one." The others agreed.'),
    ('RHS-fg-students', 's', '3.1', 'B',
     "Students named the African American history elective and the new grade 9 texts as 'the first time we read about people like us'."),
    ('RHS-obs', 'g', '3.2 1.2 3.1 1.4', 'B EL SWD',
     'Fourteen classrooms. Most lessons were lecture or worksheet; choice or more than one way to show learning seen in 3 of 14. In two AP classes, 1 of 26 and 2 of 24 students were Black. A grade 9 English class was discussing one of the new texts by a Dominican-American author. The strongest lesson seen was a co-taught English 10 class: clear objectives, visual supports, sentence frames for English learners and lively discussion.'),
    ('RHS-obs', 's', '1.3 1.5', '',
     'Hallways calm at passing time. Restorative room in use during period 3 with a staff facilitator.'),
    ('RHS-obs', 'n', '4.1', 'EL',
     "Front office signage in English and Spanish only, though Portuguese is the school's fastest-growing home language."),
    ('RHS-rem-data', 's', '2.2 3.3', 'EL',
     'Math department data meeting: reviewed unit assessment results by section and by English learner status and agreed a re-teaching plan. Clear protocol, kept to 40 minutes.'),
    ('RHS-rem-data', 'n', '2.2', '',
     'No breakdown by race in the meeting. The spreadsheet template has no race column.'),
    ('RHS-srv', 'g', '1.5 1.3 4.3', 'B',
     '62% of students agree adults treat students of all races fairly; among Black students, 41%. 33% say students have a say in how the school is run.'),
    ('RHS-srv', 'n', '4.1 4.4', '',
     "71% of families say they get the information they need; only 44% say they have ever been asked for their opinion."),
    ('RHS-srv', 's', '3.2 3.4 2.4', '',
     '90% of staff report strong collegial support. Half want more help with differentiation.'),

    # ----- Eastbank High School ----------------------------------------------
    ('EHS-doc', 's', '2.1 2.5 1.1 2.2', 'B H EL SWD',
     'School plan sets a grade 9 on-track goal with targets by race, English learner status and disability, and every action has a named owner and a date. The strongest school plan we read.'),
    ('EHS-doc', 'g', '1.2', 'ED',
     'Nine AP courses against 21 at Riverbend High. No AP science apart from Biology.'),
    ('EHS-doc', 'n', '1.3', 'B',
     'Out-of-school suspensions roughly halved in a year; the risk ratio for Black students is still above 4.'),
    ('EHS-int-principal', 's', '1.3 2.3 3.4', '',
     "The principal described the restorative pilot: every grade 9 teacher trained, weekly circles in advisory, and a restorative coordinator paid from a two-year grant. 'We suspend less because we know the kids better.' The grant ends in June and the district has not said whether it will fund the post."),
    ('EHS-int-principal', 'g', '2.3', 'EL ED',
     "'We get the same per-pupil money as Riverbend with twice the need.' He has asked for another EL teacher two years running."),
    ('EHS-int-principal', 's', '2.4', '',
     'Half of this year\'s new hires are staff of color. Uses a diverse hiring panel and structured questions he wrote himself.'),
    ('EHS-int-principal', 'n', '4.1', 'EL',
     'Suspension notices no longer go home as English-only letters: an administrator now calls with an interpreter.'),
    ('EHS-int-ap', 'g', '2.5 3.2', '',
     "Walkthrough data are collected but not reviewed with teachers: 'we do the walkthroughs for compliance'."),
    ('EHS-int-ap', 's', '1.1', 'EL',
     'Newcomer program: sheltered content classes in grade 9 and peer mentors. Four-year graduation for English learners reached 88% last year, within a few points of other students.'),
    ('EHS-int-ap', 'g', '3.3 1.5', '',
     "No common grading policy. Some teachers give a zero for missing work, which the assistant principal said 'buries' students with chronic absence."),
    ('EHS-fg-teachers', 's', '2.2 1.5 2.1', '',
     "Grade 9 team: shared planning time and a weekly student review with the counsellor, using attendance and course grades to track the school plan's on-track goal."),
    ('EHS-fg-teachers', 'g', '3.2 3.4', '',
     "'We got the UDL training but no time to redesign units.' Teachers asked for common planning time outside grade 9."),
    ('EHS-fg-teachers', 'g', '3.1', '',
     "District materials 'don't reflect our students'. Teachers supplement on their own time and money."),
    ('EHS-fg-students', 's', '4.3 4.4 1.5', 'EL SWD',
     "Nine members of the student equity council, set up by the principal in 2024 after a student walkout. They co-wrote the new phone policy and ran their own survey on hallway climate, which led to changes in lunch supervision. 'Adults listen now, but it took a walkout.' Members include English learners and students with IEPs, and they rotate who speaks for the council at staff meetings."),
    ('EHS-fg-students', 'g', '1.2', '',
     "AP is 'for Riverbend kids'. Several said they would take AP Chemistry or AP Computer Science if offered here."),
    ('EHS-fg-students', 'n', '1.3', '',
     "Some teachers 'still send kids out for hoodies'."),
    ('EHS-obs', 's', '1.5 4.3', '',
     'Advisory circles in two grade 9 rooms, with students leading the check-in. Warm, relaxed relationships between staff and students throughout the visit.'),
    ('EHS-obs', 'g', '3.2', 'EL',
     'Twelve classrooms, mostly teacher-led. English learners in general classes had glossaries but little other scaffolding.'),
    ('EHS-obs', 'n', '4.1', '',
     "The family center has signs in six languages but was locked during our visit; staff said it opens 'for events'."),
    ('EHS-srv', 'n', '1.5 3.1', 'EL',
     "Belonging 71% overall and similar across racial groups; English learners 63%. Only 48% agree 'I see people like me in what we study'."),
    ('EHS-srv', 's', '2.4', '',
     'Staff of color (n=17) report a sense of belonging close to that of White colleagues (82% against 85%), unlike the district pattern.'),
    ('EHS-srv', 'g', '4.1', 'EL',
     'Family response low (96). 58% know who to contact with a concern. Only 12 responses in Spanish.'),

    # ----- Millrace Middle School --------------------------------------------
    ('MMS-doc', 'g', '2.1 1.1', 'EL',
     'Plan goals are ELA and math proficiency for all students. No subgroup targets, although state data show a 28-point gap for English learners.'),
    ('MMS-doc', 'g', '1.3 1.4', 'SWD ED',
     "In-school suspension log for 2024-25: students with disabilities account for over a third of ISS days but less than a fifth of enrolment, and economically disadvantaged students for well over half. 'Non-compliance' and 'disruption' are the most common reasons. The log has no field for interventions tried before removal."),
    ('MMS-doc', 'n', '1.2', '',
     'Grade 7 accelerated math: placement by grade 6 test score plus teacher recommendation.'),
    ('MMS-int-principal', 'g', '1.3', '',
     "'ISS is where kids go to cool down.' The principal sees in-school suspension as support, not exclusion, and counts only out-of-school suspensions as discipline."),
    ('MMS-int-principal', 's', '1.5', '',
     'Advisory with SEL lessons twice a week, all staff trained. Shared advisory survey results by grade.'),
    ('MMS-int-principal', 'g', '1.2', 'EL',
     'Entry to French Immersion in grade 6 needs prior immersion or a language test. No newcomer has entered in three years.'),
    ('MMS-int-principal', 'n', '2.3', '',
     "Would like a say in the budget: 'we find out our staffing in May'."),
    ('MMS-int-ap', 'g', '1.3 2.5', 'ED',
     "Economically disadvantaged students make up most ISS referrals from two teams: 'the same kids, the same rooms'. No one has followed up with those teams."),
    ('MMS-int-ap', 's', '1.5', 'B H',
     'Counsellor runs lunch groups for new students and for students of color. Waiting list of 20.'),
    ('MMS-fg-teachers', 's', '3.3', '',
     'Grade 7 uses a common rubric-based grading scale in ELA and science, with reassessment.'),
    ('MMS-fg-teachers', 'g', '3.1 3.4', '',
     "The culturally responsive text sets arrived without training: 'some of us are scared to teach them'."),
    ('MMS-fg-teachers', 'g', '2.2 2.1', '',
     'Student data arrive as PDFs and teachers keep their own spreadsheets. None of the six could name the goals of the school plan.'),
    ('MMS-fg-families', 'g', '4.1 1.2', 'EL',
     "Eight families, with Spanish and Portuguese interpretation. They hear from the school 'only when something is wrong', and the weekly newsletter is in English only. Several had never heard of French Immersion or accelerated math. One mother: 'I found out from another parent, after the deadline.'"),
    ('MMS-fg-families', 's', '4.1', 'EL',
     "Families value the Portuguese-speaking paraprofessional who calls home: 'ela é a escola para nós', she is the school for us."),
    ('MMS-fg-families', 'g', '4.4', '',
     'None of the families had been invited to school planning or to the school council.'),
    ('MMS-obs', 's', '3.2', '',
     'Grade 6 science: students chose a lab report, a short video or a labelled diagram to show results. All students on task.'),
    ('MMS-obs', 'g', '1.2', 'B H W',
     'Two of four French Immersion classes visited appeared entirely White; the general classes next door were far more diverse.'),
    ('MMS-obs', 's', '3.1', 'B',
     "Grade 8 ELA: a text set on the Great Migration in use, with students' own family migration stories posted beside it."),
    ('MMS-obs', 'g', '1.3', '',
     'ISS room at 10:15: seven students working on packets, supervised by a paraprofessional, no teacher.'),
    ('MMS-rem-team', 's', '2.2 1.1 1.4 3.2', 'EL SWD',
     'Grade 7 team used a data protocol to review the reading benchmark by subgroup, flagged 12 students for tier 2 support and planned small-group reteaching for the next two weeks.'),
    ('MMS-rem-team', 'n', '2.2 1.5', '',
     'Ran out of time before the attendance item.'),
    ('MMS-srv', 'n', '1.5', 'SWD',
     '77% of students feel safe at school; students with disabilities 64%.'),
    ('MMS-srv', 'g', '1.3 2.5 3.4', '',
     '45% of staff agree discipline is handled consistently across teams; 40% say PD has helped them manage behaviour without removing students.'),
    ('MMS-srv', 'n', '4.1', 'EL',
     '66% of families know who to contact with a concern. 21 responses in Spanish or Portuguese.'),

    # ----- Hawthorne Middle School -------------------------------------------
    ('HMS-doc', 'g', '2.1 2.2 1.1 2.5', '',
     "School plan copied from last year, with the district's wording for its goals and no subgroup data."),
    ('HMS-doc', 's', '3.1 4.2', '',
     'Grade 8 ELA unit plans include text sets by authors from five cultural traditions and a community oral history project run with the public library.'),
    ('HMS-int-principal', 's', '1.4 3.2 2.3', 'SWD',
     "The principal described the co-teaching model: two inclusion teams in every grade, weekly joint planning between special and general educators, and most students with IEPs in general classes for core subjects. 'Pull-out is the exception now.' The model was paid for by converting two substantially separate classroom positions."),
    ('HMS-int-principal', 'g', '1.3 2.2', '',
     "Said discipline 'is not a problem here' but had never seen the figures by race."),
    ('HMS-int-principal', 's', '1.1', 'SWD',
     'State test results: the gap between students with disabilities and other students narrowed from 41 to 33 points in two years, which the principal credits to co-teaching.'),
    ('HMS-int-principal', 'n', '2.5', '',
     'Monitors teaching through informal walkthroughs. No schedule, no feedback form.'),
    ('HMS-int-sped', 's', '1.4', 'B',
     'Pre-referral team meets weekly. Referrals of Black students down from 19 to 11 in two years.'),
    ('HMS-int-sped', 'g', '1.4', 'EL',
     'English learners with a suspected disability wait months for a bilingual evaluation.'),
    ('HMS-fg-teachers', 's', '3.3 3.2', '',
     "Co-teachers share grading rubrics and allow reassessment: 'we grade what they know'."),
    ('HMS-fg-teachers', 's', '3.4', '',
     "Coaching from the inclusion coordinator is 'the most useful PD I've had in ten years'."),
    ('HMS-fg-teachers', 'g', '3.1', '',
     "Math and science teachers are not part of the curriculum revision: 'that's an ELA thing'."),
    ('HMS-fg-students', 's', '3.1 1.5', '',
     "Four of eight students: 'I see myself in what we read.' They named the oral history project."),
    ('HMS-fg-students', 'g', '4.3', '',
     'No way to give feedback to teachers or the school apart from the student council election.'),
    ('HMS-fg-students', 'g', '1.5', 'B',
     'Two students described a racist remark in the cafeteria, reported months ago, with no follow-up that they knew of.'),
    ('HMS-obs', 's', '3.2 1.4', 'SWD',
     'Co-taught math 7: station rotation, both teachers working with small groups, visual supports on every table.'),
    ('HMS-obs', 'n', '3.3', '',
     "Posted grading policies in several rooms give 'participation' 20% of the grade."),
    ('HMS-obs', 'g', '4.3', '',
     'No visible student voice structures: nothing on display about student input into school decisions.'),
    ('HMS-srv', 's', '1.5 1.3', '',
     '80% of students agree they belong at school, with little difference between groups; 72% say rules are applied fairly.'),
    ('HMS-srv', 'n', '4.1', 'EL',
     "14 family responses in Vietnamese. 70% say 'my child's teacher contacts me'."),
    ('HMS-srv', 'g', '3.4', '',
     'Only 35% of staff say PD outside the inclusion coaching connects to their daily work.'),

    # ----- Orchard Elementary School -----------------------------------------
    ('OES-doc', 'g', '1.2 4.1', 'W EL',
     'French Immersion lottery: kindergarten applications only, English-only online form, three-week window in January. 78% of 2025 applicants were White.'),
    ('OES-doc', 'g', '1.4', 'B M',
     'Referral data: 14 of last year\'s 22 special education referrals were boys, and 7 were Black boys, though Black students are about 16% of enrolment.'),
    ('OES-doc', 'n', '2.1 1.1 2.2', 'ED',
     'School plan includes a literacy goal with a target for economically disadvantaged students.'),
    ('OES-int-principal', 'g', '4.1 4.4 2.3', 'ED',
     "The principal said the school 'runs on the PTO', which pays for field trips, enrichment and library books. Families outside the PTO rarely come to events and 'we don't really know them'. She has started calling new families but said it is not systematic, and there is no budget for a family liaison."),
    ('OES-int-principal', 's', '1.3', '',
     'PBIS in place for five years. Out-of-school suspension close to zero; office referrals reviewed every month.'),
    ('OES-int-principal', 'g', '1.4', '',
     "Sees high referral as 'teachers wanting help'. No pre-referral requirement in place."),
    ('OES-int-fi', 'g', '1.2 1.4 3.2', 'SWD',
     "French Immersion classes have no special educator. Children who struggle are 'counselled out' to the English strand, usually by grade 2; the coordinator estimates 8 to 10 leave each year, mostly children with IEPs or who need reading support. She has asked for a special educator to be assigned to the immersion strand."),
    ('OES-int-fi', 's', '4.1', 'EL',
     "Immersion teachers wrote 'le guide des familles', a bilingual family guide (with a page on 'la réussite de nos élèves') now also in Spanish."),
    ('OES-fg-teachers', 's', '2.2 1.1', '',
     'Common reading assessments three times a year; growth reviewed by student group in grade teams.'),
    ('OES-fg-teachers', 'g', '3.1 3.4', '',
     "Classroom libraries 'old and mostly White'. Teachers buy books with their own money and have had no training on choosing texts."),
    ('OES-fg-teachers', 'n', '3.3', '',
     'Shared report card rubric keeps effort separate from achievement.'),
    ('OES-fg-families', 'g', '4.1 4.4', 'B',
     'One parent put it this way: "If you\'re not in the PTO, you\'re not in the loop, and nobody tells you how it works." Others nodded.'),
    ('OES-fg-families', 's', '4.1', '',
     'PTO families described frequent, warm contact with teachers: weekly emails and photos from class.'),
    ('OES-fg-families', 'g', '1.2 4.1', 'H EL',
     'Two Spanish-speaking families never received the French Immersion lottery information in Spanish.'),
    ('OES-obs', 's', '3.2 1.5', '',
     'Kindergarten immersion class: warm, joyful, strong routines, a visual for every new word.'),
    ('OES-obs', 'n', '3.2', '',
     'English-strand grade 3: students grouped by reading level, same groups all day.'),
    ('OES-obs', 's', '1.3 1.5', '',
     'Recess and transitions calm. Staff use PBIS acknowledgements and a reset corner in each room rather than sending children to the office.'),
    ('OES-obs', 'g', '1.2', 'B',
     'Grade 4 immersion class: 1 of 23 students appeared to be Black.'),
    ('OES-srv', 's', '4.1', 'EL',
     '89% of families feel welcome. Only 9 responses from families whose home language is not English.'),
    ('OES-srv', 'n', '3.4 3.1', '',
     "94% of staff call the school a nurturing place to work; half want training in culturally responsive teaching."),

    # ----- Willow Creek Elementary School ------------------------------------
    ('WES-doc', 's', '2.1 2.5 2.2 1.1', 'EL SWD ED',
     'School plan has three goals with subgroup targets (English learners, students with disabilities, economically disadvantaged) and a monthly progress check.'),
    ('WES-doc', 'n', '4.1 4.2', 'EL',
     'Title I plan includes family literacy nights in four languages.'),
    ('WES-int-principal', 's', '4.2 1.5', 'ED',
     "The principal described the school's partners: three university social work interns, the food bank's weekend backpacks, a mobile dental clinic and the library's homework help. 'Our families trust the school because the school shows up for them.' She meets the partners every quarter to match services to families who need them."),
    ('WES-int-principal', 'g', '3.1 3.2', 'EL',
     "Reading materials are ten years old: 'the books don't look like our kids and the newcomers can't access them'."),
    ('WES-int-principal', 'g', '2.4 2.3', '',
     'Three vacancies unfilled in February. Loses staff to schools with fewer needs.'),
    ('WES-int-sped', 's', '1.4 2.2', 'B H EL',
     'The MTSS coordinator showed the pre-referral process: a tier 2 plan with weekly progress monitoring for six weeks before any evaluation, and an EL teacher on the team whenever an English learner is discussed. Referrals have fallen, and the share of Black and Hispanic or Latino students among those referred now matches enrolment.'),
    ('WES-int-sped', 'n', '1.4', 'EL',
     'Evaluations in Haitian Creole depend on a single contracted psychologist.'),
    ('WES-fg-teachers', 's', '2.2 1.5 1.1 2.1 2.5', '',
     "Weekly data meetings follow a common protocol and track the school plan's subgroup targets, including attendance by group. The principal joins once a month and reports progress to staff."),
    ('WES-fg-teachers', 'g', '3.4', 'EL',
     "PD is 'whatever the district picked' and rarely about English learners, who are over a third of the school."),
    ('WES-fg-teachers', 'n', '3.3', 'EL',
     'Standards-based report card, but teachers are unsure how to grade English learners at early language levels.'),
    ('WES-fg-families', 's', '4.1 4.2 1.5', 'EL',
     "Ten families, with Spanish, Vietnamese and Haitian Creole (Kreyòl) interpretation. Families trust the family liaison and said teachers call with good news, not only problems. Several described the Tết and Día de Reyes family night as the first school event they had ever attended. They asked for more after-school places."),
    ('WES-fg-families', 'g', '1.4 4.1', 'SWD',
     "Families learned about their special education rights 'only after the meeting'."),
    ('WES-obs', 's', '3.2', 'EL',
     'Visuals, sentence frames and partner talk in nearly every room.'),
    ('WES-obs', 'n', '1.5 3.1', '',
     'Hallway displays in five languages; student work celebrating home cultures.'),
    ('WES-obs', 'g', '3.1 2.3', '',
     'Classroom libraries thin: many rooms had fewer than 50 books.'),
    ('WES-srv', 's', '4.1', 'EL',
     '91% of families feel welcome and 86% know who to contact. 40% of responses in a language other than English.'),
    ('WES-srv', 'n', '2.4 3.4', 'EL',
     '96% of staff call the school a nurturing place to work, but only 48% plan to stay three more years and 41% say PD helps them teach English learners.'),
]

# Self-evaluation notes: one per domain and school, written up by the reviewer
# who went through the principal's self-evaluation with them. They match
# SELF_LEVELS below.
NOTES += [
    ('RHS-self', 'n', '1.1 1.2 1.3 1.4 1.5', '',
     'Self-evaluation, Domain 1: achievement, access, discipline and special education rated Developing, well-being Established. Cites the 93% graduation rate and AP pass rates above the state; says nothing about suspensions or AP enrolment by group.'),
    ('RHS-self', 'n', '2.1 2.2 2.3 2.4 2.5', '',
     "Self-evaluation, Domain 2: data use rated Established ('we have more data than we can use'), with the state report card as the only evidence. Plan, staffing and monitoring Developing; budget Initiating: 'we don't control it'."),
    ('RHS-self', 'n', '3.1 3.2 3.3 3.4', '',
     'Self-evaluation, Domain 3: all four clusters Developing. Names the math grading reform as the strength and the lack of time for PD follow-up as the gap.'),
    ('RHS-self', 'n', '4.1 4.2 4.3 4.4', '',
     'Self-evaluation, Domain 4: partnerships and student voice rated Established, citing the university partner, the student council and the Black Student Union. Family communication and stakeholder engagement Developing.'),
    ('EHS-self', 'n', '1.1 1.2 1.3 1.4 1.5', 'EL',
     "Self-evaluation, Domain 1: access to advanced courses rated Initiating ('we can't offer what Riverbend offers'), the rest Developing. Candid about chronic absence among English learners; credits the restorative pilot for falling suspensions."),
    ('EHS-self', 'n', '2.1 2.2 2.3 2.4 2.5', '',
     "Self-evaluation, Domain 2: staffing rated Established for diverse hiring. The plan is rated only Developing, though its grade 9 goal has subgroup targets. Budget Initiating: 'same money, twice the need'."),
    ('EHS-self', 'n', '3.1 3.2 3.3 3.4', '',
     'Self-evaluation, Domain 3: grading rated Initiating, the rest Developing. Asks for district help with a common grading policy.'),
    ('EHS-self', 'n', '4.1 4.2 4.3 4.4', '',
     "Self-evaluation, Domain 4: family communication rated Initiating: 'we know we reach the same 200 families'. Student voice Established on the strength of the equity council."),
    ('MMS-self', 'n', '1.1 1.2 1.3 1.4 1.5', '',
     "Self-evaluation, Domain 1: Developing throughout except French Immersion access, rated Established because of 'open enrolment in grade 6'. Notes that in-school suspension is 'higher than we want'."),
    ('MMS-self', 'n', '2.1 2.2 2.3 2.4 2.5', '',
     "Self-evaluation, Domain 2: plan, data and monitoring Developing, staffing Initiating. Budget left unrated: 'decided downtown'."),
    ('MMS-self', 'n', '3.1 3.2 3.3 3.4', '',
     'Self-evaluation, Domain 3: instruction rated Established, citing the UDL cohort; curriculum, grading and PD Developing.'),
    ('MMS-self', 'n', '4.1 4.2 4.3', '',
     'Self-evaluation, Domain 4: family communication, partnerships and student voice Developing. Stakeholder engagement not rated.'),
    ('HMS-self', 'n', '1.1 1.2 1.3 1.4 1.5', 'SWD',
     'Self-evaluation, Domain 1: special education inclusion, discipline and belonging rated Established; achievement and access Developing. No discipline data by race cited.'),
    ('HMS-self', 'n', '2.1 2.2 2.4 2.5', '',
     "Self-evaluation, Domain 2: strategic planning Developing, and the principal calls the school plan 'a compliance document'. Data use and monitoring Developing, staffing Initiating. Budget not rated."),
    ('HMS-self', 'n', '3.1 3.2 3.3 3.4', '',
     'Self-evaluation, Domain 3: curriculum, instruction and professional learning rated Established, with detailed evidence from the ELA and social studies revisions and the co-teaching coaching. Grading Developing.'),
    ('HMS-self', 'n', '4.1 4.2 4.3 4.4', '',
     'Self-evaluation, Domain 4: all four clusters Developing. Notes the new interpreter phone line.'),
    ('OES-self', 'n', '1.1 1.2 1.3 1.4 1.5', '',
     "Self-evaluation, Domain 1: achievement, discipline and well-being rated Established; special education and French Immersion access Developing: 'the lottery is fair, but the applicants are not representative'."),
    ('OES-self', 'n', '2.1 2.2 2.3 2.5', '',
     'Self-evaluation, Domain 2: data use and monitoring Established, plan and budget Developing. Staffing not rated.'),
    ('OES-self', 'n', '3.1 3.2 3.3 3.4', '',
     'Self-evaluation, Domain 3: instruction and grading rated Established, curriculum and professional learning Developing.'),
    ('OES-self', 'n', '4.1 4.2 4.4', '',
     'Self-evaluation, Domain 4: family engagement, partnerships and stakeholder engagement rated Established, citing PTO fundraising and attendance at events. Student voice not rated at elementary level.'),
    ('WES-self', 'n', '1.1 1.2 1.3 1.4 1.5', '',
     "Self-evaluation, Domain 1: achievement rated Initiating: 'our growth is good but our gaps are real'. Special education and well-being Established, discipline and access Developing."),
    ('WES-self', 'n', '2.1 2.2 2.3 2.4 2.5', '',
     "Self-evaluation, Domain 2: plan rated Established, data and monitoring Developing, budget and staffing Initiating: 'we run on grants, and we lose teachers to easier schools'."),
    ('WES-self', 'n', '3.1 3.2 3.3 3.4', '',
     'Self-evaluation, Domain 3: curriculum rated Initiating because of the old reading materials; instruction, grading and professional learning Developing.'),
    ('WES-self', 'n', '4.1 4.2 4.3 4.4', '',
     'Self-evaluation, Domain 4: family communication and partnerships rated Established, citing the family liaison and partners; student voice and stakeholder engagement Developing.'),
]

# ---------------------------------------------------------------------------
# Scores. TEAM_LEVELS is the level the evidence supports at each site for
# clusters 1.1 ... 4.4 (the team's scores scatter around it); SELF_LEVELS is
# what each principal gave their own school (0 = left unrated).
# ---------------------------------------------------------------------------

CLUSTER_ORDER = ['1.1', '1.2', '1.3', '1.4', '1.5', '2.1', '2.2', '2.3', '2.4', '2.5',
                 '3.1', '3.2', '3.3', '3.4', '4.1', '4.2', '4.3', '4.4']

TEAM_LEVELS = {  # 1.1-1.5 | 2.1-2.5 | 3.1-3.4 | 4.1-4.4
    'RHS': '21122 11111 2121 1221',
    'EHS': '21222 32132 1112 1232',
    'MMS': '21112 12111 2221 1111',
    'HMS': '22232 11211 3322 2211',
    'OES': '21312 22112 1221 2211',
    'WES': '22233 33113 1221 3322',
    'DO': '..... 11121 .... ....',
}
SELF_LEVELS = {
    'RHS': '22223 23122 2222 2332',
    'EHS': '21222 22132 2212 1232',
    'MMS': '23222 22012 2322 2220',
    'HMS': '22333 22012 3323 2222',
    'OES': '32323 23203 2332 3303',
    'WES': '12233 32112 1222 3322',
}


def levels(spec):
    vals = spec.replace(' ', '')
    return {c: (None if v == '.' else int(v)) for c, v in zip(CLUSTER_ORDER, vals)}


RATIONALE = {
    '1.1': ('Results reported as averages; gaps not acted on.',
            'Gaps named and some targeted support; progress uneven.',
            'Subgroup growth tracked often and acted on; gaps narrowing.'),
    '1.2': ('Advanced programs do not reflect enrolment; entry by recommendation.',
            'Some barriers removed, but representation gaps remain.',
            'Enrolment in advanced programs mirrors the student body.'),
    '1.3': ('Large disproportionality in removals, not analysed.',
            'Restorative work under way; gaps acknowledged but persisting.',
            'Restorative responses are the norm; removals low for all groups.'),
    '1.4': ('Referral is the main route to help; over-identification not addressed.',
            'Tiered support exists but pre-referral practice is uneven.',
            'Consistent pre-referral support and strong inclusion.'),
    '1.5': ('Belonging differs sharply by group; bias incidents not followed up.',
            'SEL in place; belonging gaps remain for some groups.',
            'Strong relationships and belonging across groups.'),
    '2.1': ("Equity sits outside the plan's goals; no metrics or owners.",
            'Some equity goals and metrics, not in every goal.',
            'Subgroup targets throughout the plan, with owners and dates.'),
    '2.2': ('Data seen as totals, no protocol, little disaggregation.',
            'Some teams use disaggregated data; practice varies.',
            'Regular, protocol-driven use of disaggregated data.'),
    '2.3': ('Allocations ignore need; little principal input.',
            'Some need-based funding; process only partly transparent.',
            'Need-weighted, transparent allocations tied to equity goals.'),
    '2.4': ('Staff far less diverse than students; no retention data.',
            'Targeted recruitment begun; little change yet.',
            'Deliberate, successful recruitment and retention of diverse staff.'),
    '2.5': ('Initiatives not measured; monitoring and feedback irregular.',
            'Some measures and reviews, but too many priorities.',
            'A few priorities, monitored and reported regularly.'),
    '3.1': ('Materials reflect mainly one culture; no review protocol.',
            'Revisions in some subjects; uneven use.',
            'Regular equity review; students see themselves across subjects.'),
    '3.2': ('Mostly teacher-led; few options for access or expression.',
            'Pockets of UDL and scaffolding; inconsistent.',
            'UDL and planned scaffolds routine in most rooms.'),
    '3.3': ('Grading varies by teacher and mixes behaviour with achievement.',
            'Common grading in some teams, not school-wide.',
            'Common standards-based grading, reviewed by subgroup.'),
    '3.4': ('One-off PD with no follow-up.',
            'Equity topics and some coaching; little follow-up.',
            'Job-embedded, data-driven learning with follow-up.'),
    '4.1': ('Communication mostly one-way and in English.',
            'Translation and some two-way contact; not all groups reached.',
            'Regular two-way contact with every family in its language.'),
    '4.2': ('Few partnerships, not linked to need.',
            'Several useful partnerships, not coordinated.',
            'Coordinated partnerships matched to family needs.'),
    '4.3': ('Few channels for student voice beyond a narrow council.',
            'Some student voice structures; uneven participation.',
            'Students from all groups shape decisions.'),
    '4.4': ('Plans presented to stakeholders, not shaped by them.',
            'Some consultation, mostly with connected families.',
            'Stakeholders from every community help shape decisions.'),
}
SELF_RATIONALE = {  # the principal's own words, by level
    '1.1': ('Our gaps are real.', 'Most groups are growing and we track them.', 'Strong results for every group.'),
    '1.2': ('We cannot offer enough.', 'Programs are open to all who apply.', 'Open access and good results.'),
    '1.3': ('Too many removals.', 'Suspensions are coming down.', 'Discipline is not a problem here.'),
    '1.4': ('Too many referrals.', 'Our team reviews every referral.', 'Inclusion is our strength.'),
    '1.5': ('Some students do not feel they belong.', 'SEL is taught in every class.', 'Students feel known and safe.'),
    '2.1': ('Our plan does not address equity yet.', 'Equity is in our plan.', 'Every goal has subgroup targets.'),
    '2.2': ('We need better data.', 'Teams look at data regularly.', 'We use data all the time.'),
    '2.3': ('The budget is not ours to control.', 'We make the most of what we get.', 'Resources match our priorities.'),
    '2.4': ('We lose good people.', 'We are hiring more diverse staff.', 'Our staff reflect our students.'),
    '2.5': ('Too many initiatives to track.', 'We review our plan each year.', 'We monitor closely and give feedback.'),
    '3.1': ('Our materials are out of date.', 'New texts in several subjects.', 'Our curriculum reflects our students.'),
    '3.2': ('Teaching is still mostly whole-class.', 'Many teachers differentiate.', 'UDL in every classroom.'),
    '3.3': ('Grading is inconsistent.', 'Some teams grade in common.', 'Common grading everywhere.'),
    '3.4': ('PD does not stick.', 'Staff attend equity training.', 'Coaching is part of every week.'),
    '4.1': ('We reach the same families every time.', 'We communicate often.', 'Families hear from us in their language.'),
    '4.2': ('Few partners.', 'Good partners support us.', 'Our partners are part of the school.'),
    '4.3': ('Students have little say.', 'Student council is active.', 'Students lead.'),
    '4.4': ('Families are not part of planning.', 'Families are consulted.', 'Families shape our plans.'),
}
SELF_QUOTES = {  # taken from the self-evaluation notes
    ('RHS', '2.2'): 'We have more data than we can use.',
    ('RHS', '2.3'): "We don't control the budget.",
    ('EHS', '1.2'): "We can't offer what Riverbend offers.",
    ('EHS', '2.3'): 'Same money, twice the need.',
    ('EHS', '4.1'): 'We know we reach the same 200 families.',
    ('MMS', '1.2'): 'Open enrolment in grade 6.',
    ('HMS', '2.1'): 'The plan is a compliance document.',
    ('OES', '1.2'): 'The lottery is fair, but the applicants are not representative.',
    ('WES', '1.1'): 'Our growth is good but our gaps are real.',
    ('WES', '2.3'): 'We run on grants.',
}
WIDE_RATIONALE = {True: 'Rated on the strong practice in the sessions I attended. Need to discuss.',
                  False: 'Rated on the gaps I saw outweighing the strengths. Need to discuss.'}
NE_RATIONALE = ['Insufficient evidence to rate.', 'Only one source so far.',
                'Need documents before rating.', 'Not enough evidence yet.']
PRIMARY = {'RHS': JOSE, 'EHS': ZOE, 'MMS': LAN, 'HMS': DAN, 'OES': JOSE, 'WES': ZOE, 'DO': LEAD}
VISIT_END = {'RHS': '2026-03-10', 'EHS': '2026-03-12', 'MMS': '2026-03-17', 'HMS': '2026-03-19',
             'OES': '2026-03-23', 'WES': '2026-03-25', 'DO': '2026-03-13'}

# ---------------------------------------------------------------------------
# Metrics and subgroup data
# ---------------------------------------------------------------------------

METRICS = [
    ('oss', 'Out-of-school suspension', 'adverse', 'enrolled students', '1.3'),
    ('iss', 'In-school suspension', 'adverse', 'enrolled students', '1.3'),
    ('sped_id', 'Special-education identification', 'adverse', 'enrolled students', '1.4'),
    ('ap_enrol', 'AP course enrolment', 'favourable', 'students in grades 9-12', '1.2'),
    ('fi_enrol', 'French Immersion enrolment', 'favourable',
     'enrolled students at schools offering French Immersion', '1.2'),
    ('chronic_absent', 'Chronic absenteeism', 'adverse', 'enrolled students', '1.5'),
    ('grad', 'Four-year graduation', 'favourable', 'four-year cohort', '1.1'),
]

RACES = ['American Indian or Alaska Native', 'Asian', 'Black or African American',
         'Hispanic or Latino', 'Native Hawaiian or Other Pacific Islander', 'White',
         'Two or more races']
AI, AS, BL, HI, PI, WH, TW = RACES
DIMENSIONS = [
    ('race', RACES),
    ('disability', ['Students with disabilities', 'Students without disabilities']),
    ('ell', ['English learners', 'Non-English learners']),
    ('econ', ['Economically disadvantaged', 'Not economically disadvantaged']),
    ('gender', ['Female', 'Male']),
]
YEARS = ['2023-24', '2024-25']

# Schools: level, enrolment in 2024-25, racial mix (the two smallest groups as
# head counts), share economically disadvantaged, share English learners,
# special-education factor, French Immersion base rate (0: not offered) and
# base rates for a White student without a disability or economic disadvantage.
SCHOOLS = {
    'RHS': dict(level='high', n=1800, mix={AS: .10, BL: .19, HI: .13, WH: .52, TW: .06}, ai=2, pi=1,
                econ=.22, ell=.06, swd=1.0, fi=.07, oss=.011, iss=.020, chronic=.10, ap=.50),
    'EHS': dict(level='high', n=1500, mix={AS: .09, BL: .24, HI: .24, WH: .36, TW: .07}, ai=1, pi=1,
                econ=.45, ell=.13, swd=1.0, fi=0, oss=.010, iss=.014, chronic=.15, ap=.34),
    'MMS': dict(level='middle', n=1250, mix={AS: .10, BL: .18, HI: .15, WH: .50, TW: .07}, ai=1, pi=0,
                econ=.28, ell=.08, swd=1.1, fi=.22, oss=.008, iss=.030, chronic=.09, ap=0),
    'HMS': dict(level='middle', n=1050, mix={AS: .11, BL: .20, HI: .18, WH: .44, TW: .07}, ai=0, pi=0,
                econ=.34, ell=.10, swd=.95, fi=0, oss=.005, iss=.010, chronic=.09, ap=0),
    'OES': dict(level='elementary', n=520, mix={AS: .08, BL: .16, HI: .08, WH: .62, TW: .06}, ai=1, pi=0,
                econ=.15, ell=.04, swd=1.05, fi=.42, oss=.0015, iss=.004, chronic=.05, ap=0),
    'WES': dict(level='elementary', n=430, mix={AS: .12, BL: .24, HI: .34, WH: .22, TW: .08}, ai=1, pi=1,
                econ=.72, ell=.38, swd=.85, fi=0, oss=.0015, iss=.003, chronic=.08, ap=0),
}
# the six elementary schools that were not visited: in the district totals only
for _i, (_n, _fi) in enumerate([(430, .38), (405, 0), (398, 0), (440, .36), (420, 0), (397, 0)]):
    SCHOOLS['X%d' % _i] = dict(level='elementary', n=_n, mix={AS: .11, BL: .15, HI: .12, WH: .55, TW: .07},
                              ai=1 if _i == 0 else 0, pi=1 if _i == 2 else 0, econ=.25, ell=.07, swd=1.0,
                              fi=_fi, oss=.0015, iss=.003, chronic=.06, ap=0)

# Relative likelihood by race (district). Outcomes multiply these with
# disability, economic and gender factors.
DISTRICT_MULT = dict(
    econ={AI: 1.5, AS: .8, BL: 1.9, HI: 2.0, PI: 1.5, WH: .6, TW: 1.1},
    ell={AI: .5, AS: 2.6, BL: .8, HI: 3.2, PI: 1.5, WH: .12, TW: .3},
    swd={AI: 1.0, AS: .55, BL: 1.45, HI: 1.25, PI: 1.0, WH: .85, TW: 1.0},
    oss={AI: 1.5, AS: .4, BL: 4.0, HI: 1.4, PI: 1.5, WH: 1.0, TW: 1.5},
    iss={AI: 1.3, AS: .5, BL: 1.6, HI: 1.2, PI: 1.3, WH: 1.0, TW: 1.2},
    ap={AI: .5, AS: 1.2, BL: .33, HI: .5, PI: .5, WH: 1.0, TW: .7},
    fi={AI: .5, AS: .8, BL: .22, HI: .3, PI: .5, WH: 1.0, TW: .7},
    chronic={AI: 1.5, AS: .6, BL: 1.3, HI: 1.4, PI: 1.5, WH: 1.0, TW: 1.1},
    nograd={AI: 2, AS: .6, BL: 2.0, HI: 2.0, PI: 2, WH: 1.0, TW: 1.2},
    k=dict(swd_oss=1.7, econ_oss=1.5, swd_iss=2.6, econ_iss=3.9, ap_econ=.5, ap_swd=.3, ap_ell=.3,
           fi_econ=.4, fi_swd=.35, fi_ell=.15, swd_base=.145),
)
# The state: milder disproportionality.
STATE_MULT = dict(DISTRICT_MULT)
STATE_MULT.update(
    swd={AI: 1.2, AS: .6, BL: 1.25, HI: 1.1, PI: 1.0, WH: .95, TW: 1.0},
    oss={AI: 1.8, AS: .4, BL: 2.9, HI: 1.5, PI: 1.5, WH: 1.0, TW: 1.4},
    iss={AI: 1.4, AS: .5, BL: 1.4, HI: 1.2, PI: 1.3, WH: 1.0, TW: 1.2},
    ap={AI: .5, AS: 1.3, BL: .5, HI: .55, PI: .6, WH: 1.0, TW: .8},
    fi={AI: .6, AS: .9, BL: .45, HI: .5, PI: .6, WH: 1.0, TW: .8},
    nograd={AI: 2.2, AS: .6, BL: 1.7, HI: 1.9, PI: 1.8, WH: 1.0, TW: 1.2},
    k=dict(swd_oss=1.6, econ_oss=1.5, swd_iss=2.1, econ_iss=2.4, ap_econ=.55, ap_swd=.35, ap_ell=.35,
           fi_econ=.55, fi_swd=.5, fi_ell=.3, swd_base=.16),
)
STATE_MIX = {AS: .075, BL: .095, HI: .245, WH: .545, TW: .04}
STATE_UNITS = [  # level, enrolment, FI base, base rates
    dict(level='elementary', n=388000, fi=0, oss=.002, iss=.004, chronic=.09, ap=0),
    dict(level='elementary', n=31000, fi=.30, oss=.002, iss=.004, chronic=.07, ap=0),
    dict(level='middle', n=202000, fi=0, oss=.009, iss=.018, chronic=.11, ap=0),
    dict(level='middle', n=9000, fi=.18, oss=.008, iss=.016, chronic=.09, ap=0),
    dict(level='high', n=283000, fi=0, oss=.012, iss=.020, chronic=.14, ap=.40),
]


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------

def framework_clusters():
    with open(FRAMEWORK, encoding='utf-8') as f:
        return re.findall(r'^\[cluster (\d+\.\d+)\]', f.read(), re.M)


def parse_time(s):
    return dt.datetime.strptime(s, '%Y-%m-%dT%H:%M')


def zulu(t):
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def note_delay(rng, source, text):
    """How long after the activity started the note was written."""
    long_note = len(text) > 200
    if source == SRV:
        return dt.timedelta(days=1 + rng.random() * 3, hours=rng.random() * 6)
    if source == SELF:
        return dt.timedelta(minutes=30 + rng.random() * 60 * (30 if long_note else 2))
    if source == DOC:
        return dt.timedelta(minutes=20 + rng.random() * (300 if long_note else 150))
    if long_note:  # written up after the session
        return dt.timedelta(hours=3 + rng.random() * 25)
    return dt.timedelta(minutes=4 + rng.random() * 80)  # typed during it


def build_evidence(clusters):
    rng = random.Random(4101)
    acts = {a[0]: a for a in ACTIVITIES}
    seq = {}
    rows = []
    for key, valence, cl, subs, text in NOTES:
        _, site, source, held, fac, second, _desc = acts[key]
        seq[key] = seq.get(key, 0) + 1
        codes = cl.split()
        for c in codes:
            assert c in clusters, (key, c)
        author = second if (second and rng.random() < .35) else fac
        at = parse_time(held) + note_delay(rng, source, text)
        at = at.replace(second=int(rng.random() * 60))
        groups = ';'.join(SUBGROUP_CODES[s] for s in subs.split())
        rows.append([uid('evidence', key, str(seq[key])), zulu(at), site, source, author,
                     {'s': 'strength', 'g': 'growth', 'n': 'neutral'}[valence],
                     ';'.join(codes), groups, uid('activity', key), text])
    rows.sort(key=lambda r: (r[1], r[0]))
    return rows


def source_types(evidence):
    out = {}
    for r in evidence:
        for c in r[6].split(';'):
            out.setdefault((r[2], c), set()).add(r[3])
    return out


def agreed_level(vals, true):
    """The level the team settles on: the most common score, and where two
    are equally common, the one the evidence supports best."""
    best = max(vals.count(v) for v in vals)
    tied = sorted(set(v for v in vals if vals.count(v) == best))
    return true if true in tied else tied[0]


def stamp(rng, day, lo_h=8, span_h=10):
    t = dt.datetime.strptime(day, '%Y-%m-%d') + dt.timedelta(hours=lo_h + rng.random() * span_h)
    return zulu(t.replace(second=int(rng.random() * 60)))


def build_scores(evidence):
    rng = random.Random(2718)
    types = source_types(evidence)
    rows = []
    pairs = [(s, c) for s in ['DO'] + SCHOOL_CODES for c in CLUSTER_ORDER
             if levels(TEAM_LEVELS[s])[c] is not None]
    # about 7% of pairs get a two-level spread between raters
    wide = set(p for p in pairs if rng.random() < .065)
    for site, c in pairs:
        true = levels(TEAM_LEVELS[site])[c]
        k = len(types.get((site, c), ()))
        p_ne = {0: .8, 1: .35, 2: .1}.get(k, .02)
        others = [p for p in TEAM if p not in (LEAD, PRIMARY[site])]
        rng_others = sorted(others, key=lambda p: rng.random())
        raters = [LEAD] + ([PRIMARY[site]] if PRIMARY[site] != LEAD else [])
        raters += rng_others[:(4 if rng.random() < .55 else 3) - len(raters)]
        drift = 1 if (true == 1 or (true == 2 and rng.random() < .5)) else -1
        given = {}
        for r in raters:
            if rng.random() < p_ne:
                given[r] = None
            elif rng.random() < .8:
                given[r] = true
            else:
                given[r] = true + drift
        nums = [v for v in given.values() if v is not None]
        if (site, c) in wide and len(nums) >= 2:
            numeric = [r for r in raters if given[r] is not None]
            given[numeric[0]], given[numeric[-1]] = 1, 3
            for r in numeric[1:-1]:
                given[r] = true
        else:
            wide.discard((site, c))
        day0 = dt.date.fromisoformat(VISIT_END[site])
        for r in raters:
            lv = given[r]
            if lv is None:
                why = NE_RATIONALE[int(rng.random() * len(NE_RATIONALE))]
            elif abs(lv - true) == 2:  # the outlier in a two-level spread
                why = WIDE_RATIONALE[lv > true]
            elif rng.random() < .12:
                why = ''
            else:
                why = RATIONALE[c][lv - 1]
                if k < 3 and rng.random() < .5:
                    why = 'Evidence thin. ' + why
            day = (day0 + dt.timedelta(days=1 + int(rng.random() * 12))).isoformat()
            rows.append([site, c, r, 'team', 'NE' if lv is None else str(lv), why, stamp(rng, day)])
        # consensus on about 40% of pairs, more often where evidence is triangulated
        nums = [v for v in given.values() if v is not None]
        if k == 0 and site != 'DO':
            rows.append([site, c, LEAD, 'consensus', 'NE',
                         'Agreed: insufficient evidence. Follow up before the report.',
                         stamp(rng, '2026-04-16')])
        elif len(nums) >= 2 and rng.random() < (.55 if k >= 3 else .28):
            lv = true if (site, c) in wide else agreed_level(nums, true)
            why = RATIONALE[c][lv - 1]
            if (site, c) in wide:
                why = 'Agreed after discussing the two-level spread. ' + why
            day = '2026-04-%02d' % (13 + int(rng.random() * 5))
            rows.append([site, c, LEAD, 'consensus', str(lv), why, stamp(rng, day)])
    # principals' self-evaluations
    acts = {a[0]: a for a in ACTIVITIES}
    for site in SCHOOL_CODES:
        own = levels(SELF_LEVELS[site])
        held = parse_time(acts[site + '-self'][3])
        for c in CLUSTER_ORDER:
            lv = own[c]
            if not lv:
                continue
            why = SELF_QUOTES.get((site, c)) or (SELF_RATIONALE[c][lv - 1] if rng.random() < .8 else '')
            at = held - dt.timedelta(days=1 + int(rng.random() * 3), hours=rng.random() * 5)
            rows.append([site, c, PRINCIPALS[site], 'self', str(lv), why,
                         zulu(at.replace(second=int(rng.random() * 60)))])
    order = {s: i for i, (s, _, _) in enumerate(SITES)}
    kinds = {'self': 0, 'team': 1, 'consensus': 2}
    rows.sort(key=lambda r: (order[r[0]], CLUSTER_ORDER.index(r[1]), kinds[r[3]], TEAM.index(r[2])
                             if r[2] in TEAM else -1))
    return rows


def race_counts(mix, n, ai, pi):
    rest = n - ai - pi
    raw = {r: mix[r] * rest for r in mix}
    out = {r: int(raw[r]) for r in raw}
    for r in sorted(raw, key=lambda r: (raw[r] - out[r], r), reverse=True)[:rest - sum(out.values())]:
        out[r] += 1
    out[AI], out[PI] = ai, pi
    return out


def simulate(rng, unit, mult, n, ai, pi, mix, shift):
    """Make a population of anonymous student records and their outcomes.
    Only the aggregates are written out."""
    k = mult['k']
    rc = race_counts(mix, n, ai, pi)
    shares = {r: rc[r] / n for r in rc}
    k_econ = unit.get('econ', .3) / sum(shares[r] * mult['econ'][r] for r in rc)
    k_ell = unit.get('ell', .1) / sum(shares[r] * mult['ell'][r] for r in rc)
    out = []
    for r in RACES:
        for _ in range(rc[r]):
            s = {'race': r, 'gender': 'Female' if rng.random() < .49 else 'Male'}
            male = s['gender'] == 'Male'
            e = s['econ'] = rng.random() < min(.95, k_econ * mult['econ'][r])
            el = s['ell'] = rng.random() < min(.9, k_ell * mult['ell'][r])
            p = k['swd_base'] * unit.get('swd', 1) * mult['swd'][r] * (1.3 if male else .7) * (1.15 if e else .95)
            d = s['swd'] = rng.random() < p
            grade = 9 + int(rng.random() * 4) if unit['level'] == 'high' else 0
            p = unit['oss'] * mult['oss'][r] * (k['swd_oss'] if d else 1) * (k['econ_oss'] if e else 1)
            s['oss'] = rng.random() < p * (1.3 if male else .7) * (1 + shift)
            p = unit['iss'] * mult['iss'][r] * (k['swd_iss'] if d else 1) * (k['econ_iss'] if e else 1)
            s['iss'] = rng.random() < p * (1.3 if male else .7) * (1 + shift / 2)
            p = unit['chronic'] * mult['chronic'][r] * (1.6 if d else 1) * (2.1 if e else 1) * (1.3 if el else 1)
            s['chronic_absent'] = rng.random() < min(.8, p)
            s['sped_id'] = d
            if unit['ap']:
                p = unit['ap'] * mult['ap'][r] * (k['ap_econ'] if e else 1) * (k['ap_swd'] if d else 1)
                p *= (k['ap_ell'] if el else 1) * (.25 if grade == 9 else 1)
                s['ap_enrol'] = rng.random() < p
            if unit['fi']:
                p = unit['fi'] * 1.6 * mult['fi'][r] * (k['fi_econ'] if e else 1) * (k['fi_swd'] if d else 1)
                s['fi_enrol'] = rng.random() < min(.9, p * (k['fi_ell'] if el else 1))
            if grade == 12:
                p = .02 * mult['nograd'][r] * (2.5 if d else 1) * (2.0 if e else 1) * (2.5 if el else 1)
                s['grad'] = rng.random() >= min(.6, p)
            out.append(s)
    return out


def group_of(s, dim):
    if dim == 'race':
        return s['race']
    if dim == 'gender':
        return s['gender']
    flag = {'disability': 'swd', 'ell': 'ell', 'econ': 'econ'}[dim]
    return dict(DIMENSIONS)[dim][0 if s[flag] else 1]


def aggregate(site, year, students):
    enrolled, count = {}, {}
    for s in students:
        for metric, *_ in METRICS:
            if metric not in s:
                continue
            for dim, _groups in DIMENSIONS:
                key = (metric, dim, group_of(s, dim))
                enrolled[key] = enrolled.get(key, 0) + 1
                count[key] = count.get(key, 0) + s[metric]
    rows = []
    for metric, *_ in METRICS:
        for dim, groups in DIMENSIONS:
            if metric == 'sped_id' and dim == 'disability':
                continue  # identification by disability status is not a rate
            for g in groups:
                if (metric, dim, g) in enrolled:
                    rows.append([site, year, metric, dim, g, enrolled[(metric, dim, g)],
                                 count[(metric, dim, g)]])
    return rows


SUBGROUP_SEED = 20260360


def build_subgroups():
    rng = random.Random(SUBGROUP_SEED)
    rows = []
    for yi, year in enumerate(YEARS):
        shift = .12 if year == '2023-24' else 0  # suspensions were a little higher the year before
        district = []
        per_site = {}
        for code, u in SCHOOLS.items():
            n = u['n'] if yi else round(u['n'] * .985)
            ai, pi = u['ai'], u['pi']
            if not yi and code in ('RHS', 'MMS'):
                ai, pi = ai + (code == 'MMS'), pi + (code == 'RHS')
            st = simulate(rng, u, DISTRICT_MULT, n, ai, pi, u['mix'], shift)
            district += st
            per_site[code] = st
        rows += aggregate('DO', year, district)
        for code in SCHOOL_CODES:
            rows += aggregate(code, year, per_site[code])
    return rows


def build_state():
    rng = random.Random(1788)
    rows = []
    for yi, year in enumerate(YEARS):
        shift = .08 if year == '2023-24' else 0
        everyone = []
        for u in STATE_UNITS:
            n = u['n'] if yi else round(u['n'] * 1.006)
            unit = dict(u, econ=.36, ell=.12)
            everyone += simulate(rng, unit, STATE_MULT, n, round(n * .0021), round(n * .0011), STATE_MIX, shift)
        rows += aggregate('STATE', year, everyone)
    return rows


# Whose voice each activity carries (the framework's [group] codes), how many
# took part and in which language: read from the description, the way a lead
# would fill the columns in from the schedule.
LANGUAGES = [('Spanish', 'es'), ('Portuguese', 'pt'), ('Vietnamese', 'vi'), ('Haitian Creole', 'ht')]


def voice_groups(site, source, desc):
    d = desc.lower()
    who = desc.split(':')[0].lower()
    groups = set()
    if source == SELF or source == 'document_review':
        groups.add('district_leaders' if site == 'DO' else 'school_leaders')
    elif source == 'interview':
        if 'principal' in who or 'dean' in who:
            groups.add('school_leaders')
        if site != 'DO' and any(w in who for w in ('counsellor', 'guidance', 'team chair', 'coordinator')):
            groups.add('support_staff')
        if site == 'DO':
            groups.add('district_leaders')
    elif source == 'site_observation':
        groups.update(('students', 'teachers'))
    elif source == 'survey':
        for pattern, group in ((r'\d[\d,]* (of [\d,]+ )?students', 'students'),
                               (r'\d[\d,]* (families|responses from about)', 'families'),
                               (r'\d[\d,]* (of [\d,]+ )?staff', 'teachers')):
            if re.search(pattern, d):
                groups.add(group)
        if 'teachers' in groups:
            groups.add('support_staff')
    else:
        for words, group in ((('teacher', 'educator'), 'teachers'), (('parent', 'famil', 'caregiver'), 'families'),
                             (('student',), 'students'), (('community partner',), 'community_partners'),
                             (('administrators', 'principals', 'leadership team', 'school committee'), 'district_leaders'),
                             (('counsellor',), 'support_staff'), (('public comment',), 'families')):
            if any(w in d for w in words):
                groups.add(group)
    return ','.join(sorted(groups))


def voice_participants(source, desc):
    d = desc.lower()
    if source == 'interview':
        return 1 + desc.split(':')[0].count(' and ')
    if source == 'focus_group':
        first = re.search(r'(?:with |\()(\d+) ', d)
        more = re.findall(r', (\d+) (?:parents|families|students)', d)
        return (int(first.group(1)) if first else 0) + sum(int(n) for n in more) or ''
    if source == 'survey':
        return sum(int(n.replace(',', '')) for n in re.findall(
            r'(?<![\d,])(?<!about )(\d[\d,]*) (?:of [\d,]+ )?(?:students|families|staff|responses)', d)) or ''
    return ''


def voice_language(desc):
    if not re.search(r'with [A-Z][^:]* interpretation', desc):
        return 'en', 'no'
    first = min((desc.find(name), code) for name, code in LANGUAGES if name in desc)
    return first[1], 'yes'


def build_activities():
    rows = []
    for key, site, source, held, fac, _second, desc in ACTIVITIES:
        language, interpreter = voice_language(desc)
        rows.append([uid('activity', key), site, source, held, desc, fac, voice_groups(site, source, desc),
                     voice_participants(source, desc), language, interpreter])
    return rows


def write(name, header, rows):
    path = os.path.join(HERE, name)
    with open(path, 'w', encoding='utf-8', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        for r in rows:
            w.writerow([nfc(x) if isinstance(x, str) else x for x in r])
    print('%-16s %5d rows' % (name, len(rows)))


def main():
    clusters = framework_clusters()
    assert clusters == CLUSTER_ORDER, clusters
    evidence = build_evidence(clusters)
    write('sites.csv', ['code', 'name', 'kind'], SITES)
    write('people.csv', ['name', 'role', 'site'], PEOPLE)
    write('activities.csv', ['id', 'site', 'source', 'held_at', 'description', 'facilitator', 'groups',
                             'participants', 'language', 'interpreter'], build_activities())
    write('evidence.csv', ['id', 'created_at', 'site', 'source', 'author', 'valence', 'clusters',
                           'subgroups', 'activity', 'text'], evidence)
    write('scores.csv', ['site', 'cluster', 'rater', 'kind', 'level', 'rationale', 'updated_at'],
          build_scores(evidence))
    write('metrics.csv', ['code', 'name', 'direction', 'denominator', 'cluster'], METRICS)
    header = ['site', 'year', 'metric', 'dimension', 'group', 'enrolled', 'count']
    write('subgroups.csv', header, build_subgroups())
    write('state.csv', header, build_state())


if __name__ == '__main__':
    main()
