BEGIN TRANSACTION;
CREATE TABLE actionitem (
	id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	owner_id VARCHAR(32) NOT NULL, 
	text TEXT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_by VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	closed_at DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_action_number UNIQUE (pair_id, number), 
	FOREIGN KEY(pair_id) REFERENCES pair (id)
);
INSERT INTO "actionitem" VALUES(1,1,1,'U0MENTEE1','Send the CFP template to María','done','U0MENTOR','2026-11-02 10:05:00.000000','2026-11-04 10:00:00.000000');
INSERT INTO "actionitem" VALUES(2,1,2,'U0MENTOR','Book the rehearsal room','open','U0MENTEE1','2026-11-02 10:06:00.000000',NULL);
INSERT INTO "actionitem" VALUES(3,2,1,'U0MENTOR','Introduce Zoë to the SRE lead','open','U0MENTOR','2026-11-02 10:07:00.000000',NULL);
INSERT INTO "actionitem" VALUES(4,1,3,'U0MENTEE1','Draft the abstract & share it in the *#talks* channel','open','U0MENTEE1','2026-11-03 16:30:00.000000',NULL);
CREATE TABLE agendaitem (
	id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	author_id VARCHAR(32) NOT NULL, 
	text TEXT NOT NULL, 
	source VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	meeting_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(pair_id) REFERENCES pair (id), 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id)
);
INSERT INTO "agendaitem" VALUES(1,1,'U0MENTOR','Review María''s *talk* outline <draft v2> & the slides','command','2026-11-02 10:00:00.000000',1);
INSERT INTO "agendaitem" VALUES(2,1,'U0MENTEE1','Conference travel budget: ¿quién paga?','command','2026-11-02 10:01:00.000000',1);
INSERT INTO "agendaitem" VALUES(3,1,'U0MENTEE1','Can we talk about the *keynote* offer <maybe> & timing?','dm','2026-11-02 15:30:00.000000',1);
INSERT INTO "agendaitem" VALUES(4,1,'U0MENTOR','How did the CFP feedback land?','command','2026-11-03 15:00:00.000000',5);
CREATE TABLE commitment (
	id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	review_id INTEGER NOT NULL, 
	owner_id VARCHAR(32) NOT NULL, 
	kind VARCHAR(8) NOT NULL, 
	text TEXT NOT NULL, 
	outcome VARCHAR(8), 
	checked_in_review_id INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(pair_id) REFERENCES pair (id), 
	FOREIGN KEY(review_id) REFERENCES review (id), 
	FOREIGN KEY(checked_in_review_id) REFERENCES review (id)
);
INSERT INTO "commitment" VALUES(1,1,2,'U0MENTEE1','start','Write the talk outline every Friday','yes',3,'2026-11-09 12:01:00.000000');
INSERT INTO "commitment" VALUES(2,1,2,'U0MENTEE1','start','Ask for feedback earlier','partly',3,'2026-11-09 12:01:00.000000');
INSERT INTO "commitment" VALUES(3,1,2,'U0MENTEE1','stop','Saying yes to every *urgent* <ask> & meeting','no',3,'2026-11-09 12:01:00.000000');
INSERT INTO "commitment" VALUES(4,1,2,'U0MENTOR','start','Share my CFP reviews 📝','yes',3,'2026-11-09 12:01:00.000000');
INSERT INTO "commitment" VALUES(5,1,2,'U0MENTOR','stop','Rescheduling at short notice','partly',3,'2026-11-09 12:01:00.000000');
INSERT INTO "commitment" VALUES(6,1,3,'U0MENTEE1','start','Ask for a *Rust* pairing session <weekly> & keep notes',NULL,NULL,'2026-11-17 19:01:00.000000');
INSERT INTO "commitment" VALUES(7,1,3,'U0MENTOR','start','Block 30 minutes after each session for notes',NULL,NULL,'2026-11-17 19:01:00.000000');
CREATE TABLE delivery (
	id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	subject VARCHAR(64) DEFAULT '''''' NOT NULL, 
	meeting_id INTEGER, 
	review_id INTEGER, 
	kind VARCHAR(16) NOT NULL, 
	audience VARCHAR(16) NOT NULL, 
	due_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	next_at DATETIME NOT NULL, 
	attempts INTEGER NOT NULL, 
	uncertain BOOLEAN NOT NULL, 
	claimed_by VARCHAR(64), 
	channel VARCHAR(32), 
	ts VARCHAR(32), 
	reply_taken BOOLEAN NOT NULL, 
	reason VARCHAR(200), 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(pair_id) REFERENCES pair (id), 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id), 
	FOREIGN KEY(review_id) REFERENCES review (id)
);
INSERT INTO "delivery" VALUES(1,1,'meeting:1',1,NULL,'prompt','mentor','2026-11-02 14:00:00.000000','2026-11-03 14:00:00.000000','sent','2026-11-02 14:10:00.000000',1,0,'legacy-dispatcher','D0MENTOR','1793628000.000003',0,NULL,'2026-11-02 14:00:00.000000');
INSERT INTO "delivery" VALUES(2,1,'meeting:1',1,NULL,'prompt','mentee','2026-11-02 14:00:00.000000','2026-11-03 14:00:00.000000','sent','2026-11-02 14:10:00.000000',1,0,'legacy-dispatcher','D0MENTEE1','1793628000.000004',1,NULL,'2026-11-02 14:00:00.000000');
INSERT INTO "delivery" VALUES(3,1,'meeting:1',1,NULL,'agenda','channel','2026-11-03 13:00:00.000000','2026-11-03 14:00:00.000000','sent','2026-11-03 13:10:00.000000',1,0,'legacy-dispatcher','C0PAIR1','1793710800.000005',0,NULL,'2026-11-03 13:00:00.000000');
INSERT INTO "delivery" VALUES(4,1,'meeting:1',1,NULL,'followup','channel','2026-11-03 16:00:00.000000','2026-11-04 16:00:00.000000','sent','2026-11-03 16:15:00.000000',2,0,'legacy-dispatcher','C0PAIR1','1793721900.000006',0,'internal_error','2026-11-03 16:05:00.000000');
INSERT INTO "delivery" VALUES(5,2,'meeting:2',2,NULL,'prompt','mentor','2026-11-04 14:30:00.000000','2026-11-05 14:30:00.000000','sent','2026-11-04 14:40:00.000000',1,0,'legacy-dispatcher','D0MENTOR','1793802600.000007',0,NULL,'2026-11-04 14:30:00.000000');
INSERT INTO "delivery" VALUES(6,2,'meeting:2',2,NULL,'prompt','mentee','2026-11-04 14:30:00.000000','2026-11-05 14:30:00.000000','sent','2026-11-04 14:40:00.000000',1,0,'legacy-dispatcher','D0MENTEE2','1793802600.000008',0,NULL,'2026-11-04 14:30:00.000000');
INSERT INTO "delivery" VALUES(7,2,'meeting:2',2,NULL,'agenda','channel','2026-11-05 13:30:00.000000','2026-11-05 14:30:00.000000','failed','2026-11-05 13:40:00.000000',1,0,'legacy-dispatcher',NULL,NULL,0,'not_in_channel','2026-11-05 13:30:00.000000');
INSERT INTO "delivery" VALUES(8,2,'meeting:2',2,NULL,'followup','channel','2026-11-05 16:30:00.000000','2026-11-06 16:30:00.000000','failed','2026-11-05 16:40:00.000000',1,0,'legacy-dispatcher',NULL,NULL,0,'not_in_channel','2026-11-05 16:30:00.000000');
INSERT INTO "delivery" VALUES(9,1,'meeting:3',3,NULL,'prompt','mentor','2026-11-09 14:00:00.000000','2026-11-10 14:00:00.000000','skipped','2026-11-09 14:00:00.000000',0,0,NULL,NULL,NULL,0,'meeting skipped','2026-11-06 10:00:00.000000');
INSERT INTO "delivery" VALUES(10,1,'meeting:3',3,NULL,'prompt','mentee','2026-11-09 14:00:00.000000','2026-11-10 14:00:00.000000','skipped','2026-11-09 14:00:00.000000',0,0,NULL,NULL,NULL,0,'meeting skipped','2026-11-06 10:00:00.000000');
INSERT INTO "delivery" VALUES(11,1,'meeting:3',3,NULL,'agenda','channel','2026-11-10 13:00:00.000000','2026-11-10 14:00:00.000000','skipped','2026-11-10 13:00:00.000000',0,0,NULL,NULL,NULL,0,'meeting skipped','2026-11-06 10:00:00.000000');
INSERT INTO "delivery" VALUES(12,1,'meeting:3',3,NULL,'followup','channel','2026-11-10 16:00:00.000000','2026-11-11 16:00:00.000000','skipped','2026-11-10 16:00:00.000000',0,0,NULL,NULL,NULL,0,'meeting skipped','2026-11-06 10:00:00.000000');
INSERT INTO "delivery" VALUES(13,2,'meeting:2',2,NULL,'attention','mentor','2026-11-05 13:30:00.000000','2026-11-07 13:30:00.000000','sent','2026-11-05 13:40:00.000000',1,0,'legacy-dispatcher','D0MENTOR','1793885400.000009',0,'agenda to channel: not_in_channel','2026-11-05 13:30:00.000000');
INSERT INTO "delivery" VALUES(14,2,'meeting:2',2,NULL,'attention','mentee','2026-11-05 13:30:00.000000','2026-11-07 13:30:00.000000','sent','2026-11-05 13:40:00.000000',1,0,'legacy-dispatcher','D0MENTEE2','1793885400.000010',0,'agenda to channel: not_in_channel','2026-11-05 13:30:00.000000');
INSERT INTO "delivery" VALUES(15,2,'meeting:4',4,NULL,'prompt','mentor','2026-11-18 14:30:00.000000','2026-11-19 14:30:00.000000','skipped','2026-11-18 14:40:00.000000',0,0,'legacy-dispatcher',NULL,NULL,0,'pair ended','2026-11-18 14:30:00.000000');
INSERT INTO "delivery" VALUES(16,2,'meeting:4',4,NULL,'prompt','mentee','2026-11-18 14:30:00.000000','2026-11-19 14:30:00.000000','skipped','2026-11-18 14:40:00.000000',0,0,'legacy-dispatcher',NULL,NULL,0,'pair ended','2026-11-18 14:30:00.000000');
INSERT INTO "delivery" VALUES(17,2,'meeting:4',4,NULL,'agenda','channel','2026-11-19 13:30:00.000000','2026-11-19 14:30:00.000000','skipped','2026-11-19 17:10:00.000000',0,0,'legacy-dispatcher',NULL,NULL,0,'pair ended','2026-11-19 17:00:00.000000');
INSERT INTO "delivery" VALUES(18,2,'meeting:4',4,NULL,'followup','channel','2026-11-19 16:30:00.000000','2026-11-20 16:30:00.000000','skipped','2026-11-19 17:10:00.000000',0,0,'legacy-dispatcher',NULL,NULL,0,'pair ended','2026-11-19 17:00:00.000000');
INSERT INTO "delivery" VALUES(19,2,'review:1',NULL,1,'review','channel','2026-11-06 09:00:00.000000','2026-11-13 09:00:00.000000','failed','2026-11-06 09:10:00.000000',1,0,'legacy-dispatcher',NULL,NULL,0,'not_in_channel','2026-11-06 09:00:00.000000');
INSERT INTO "delivery" VALUES(20,2,'review:1',NULL,1,'review','mentor','2026-11-06 09:00:00.000000','2026-11-13 09:00:00.000000','sent','2026-11-06 09:10:00.000000',1,0,'legacy-dispatcher','D0MENTOR','1793955600.000012',0,NULL,'2026-11-06 09:00:00.000000');
INSERT INTO "delivery" VALUES(21,2,'review:1',NULL,1,'review','mentee','2026-11-06 09:00:00.000000','2026-11-13 09:00:00.000000','sent','2026-11-06 09:10:00.000000',1,0,'legacy-dispatcher','D0MENTEE2','1793955600.000013',0,NULL,'2026-11-06 09:00:00.000000');
INSERT INTO "delivery" VALUES(22,2,'review:1',NULL,1,'reminder','mentor','2026-11-08 09:00:00.000000','2026-11-13 09:00:00.000000','skipped','2026-11-09 10:10:00.000000',0,0,'legacy-dispatcher',NULL,NULL,0,'pair ended','2026-11-09 10:00:00.000000');
INSERT INTO "delivery" VALUES(23,2,'review:1',NULL,1,'reminder','mentee','2026-11-08 09:00:00.000000','2026-11-13 09:00:00.000000','skipped','2026-11-09 10:10:00.000000',0,0,'legacy-dispatcher',NULL,NULL,0,'pair ended','2026-11-09 10:00:00.000000');
INSERT INTO "delivery" VALUES(24,2,'review:1',NULL,1,'summary','channel','2026-11-13 09:00:00.000000','2026-11-14 09:00:00.000000','skipped','2026-11-16 14:10:00.000000',0,0,'legacy-dispatcher',NULL,NULL,0,'pair ended','2026-11-16 14:00:00.000000');
INSERT INTO "delivery" VALUES(25,1,'review:2',NULL,2,'review','channel','2026-11-09 10:00:00.000000','2026-11-16 10:00:00.000000','sent','2026-11-09 10:10:00.000000',1,0,'legacy-dispatcher','C0PAIR1','1794218400.000014',0,NULL,'2026-11-09 10:00:00.000000');
INSERT INTO "delivery" VALUES(26,1,'review:2',NULL,2,'review','mentor','2026-11-09 10:00:00.000000','2026-11-16 10:00:00.000000','sent','2026-11-09 10:10:00.000000',1,0,'legacy-dispatcher','D0MENTOR','1794218400.000015',0,NULL,'2026-11-09 10:00:00.000000');
INSERT INTO "delivery" VALUES(27,1,'review:2',NULL,2,'review','mentee','2026-11-09 10:00:00.000000','2026-11-16 10:00:00.000000','sent','2026-11-09 10:10:00.000000',1,0,'legacy-dispatcher','D0MENTEE1','1794218400.000016',0,NULL,'2026-11-09 10:00:00.000000');
INSERT INTO "delivery" VALUES(28,1,'review:2',NULL,2,'reminder','mentor','2026-11-11 10:00:00.000000','2026-11-16 10:00:00.000000','skipped','2026-11-11 10:00:00.000000',0,0,NULL,NULL,NULL,0,'review closed','2026-11-09 12:01:00.000000');
INSERT INTO "delivery" VALUES(29,1,'review:2',NULL,2,'reminder','mentee','2026-11-11 10:00:00.000000','2026-11-16 10:00:00.000000','skipped','2026-11-11 10:00:00.000000',0,0,NULL,NULL,NULL,0,'review closed','2026-11-09 12:01:00.000000');
INSERT INTO "delivery" VALUES(30,1,'review:2',NULL,2,'summary','channel','2026-11-09 12:00:00.000000','2026-11-17 10:00:00.000000','sent','2026-11-09 12:11:00.000000',1,0,'legacy-dispatcher','C0PAIR1','1794225660.000017',0,NULL,'2026-11-09 12:01:00.000000');
INSERT INTO "delivery" VALUES(31,1,'meeting:5',5,NULL,'prompt','mentor','2026-11-16 14:00:00.000000','2026-11-17 14:00:00.000000','sent','2026-11-16 14:10:00.000000',1,0,'legacy-dispatcher','D0MENTOR','1794837600.000020',0,NULL,'2026-11-16 14:00:00.000000');
INSERT INTO "delivery" VALUES(32,1,'meeting:5',5,NULL,'prompt','mentee','2026-11-16 14:00:00.000000','2026-11-17 14:00:00.000000','sent','2026-11-16 14:10:00.000000',1,0,'legacy-dispatcher','D0MENTEE1','1794837600.000021',0,NULL,'2026-11-16 14:00:00.000000');
INSERT INTO "delivery" VALUES(33,1,'meeting:5',5,NULL,'agenda','channel','2026-11-17 13:00:00.000000','2026-11-17 14:00:00.000000','sent','2026-11-17 13:10:00.000000',1,0,'legacy-dispatcher','C0PAIR1','1794920400.000022',0,NULL,'2026-11-17 13:00:00.000000');
INSERT INTO "delivery" VALUES(34,1,'meeting:5',5,NULL,'followup','channel','2026-11-17 16:00:00.000000','2026-11-18 16:00:00.000000','sent','2026-11-17 16:10:00.000000',1,0,'legacy-dispatcher','C0PAIR1','1794931200.000026',0,NULL,'2026-11-17 16:00:00.000000');
INSERT INTO "delivery" VALUES(35,1,'review:3',NULL,3,'review','channel','2026-11-17 15:00:00.000000','2026-11-24 15:00:00.000000','sent','2026-11-17 15:10:00.000000',1,0,'legacy-dispatcher','C0PAIR1','1794927600.000023',0,NULL,'2026-11-17 15:00:00.000000');
INSERT INTO "delivery" VALUES(36,1,'review:3',NULL,3,'review','mentor','2026-11-17 15:00:00.000000','2026-11-24 15:00:00.000000','sent','2026-11-17 15:10:00.000000',1,0,'legacy-dispatcher','D0MENTOR','1794927600.000024',0,NULL,'2026-11-17 15:00:00.000000');
INSERT INTO "delivery" VALUES(37,1,'review:3',NULL,3,'review','mentee','2026-11-17 15:00:00.000000','2026-11-24 15:00:00.000000','sent','2026-11-17 15:10:00.000000',1,0,'legacy-dispatcher','D0MENTEE1','1794927600.000025',0,NULL,'2026-11-17 15:00:00.000000');
INSERT INTO "delivery" VALUES(38,1,'review:3',NULL,3,'reminder','mentor','2026-11-19 15:00:00.000000','2026-11-24 15:00:00.000000','skipped','2026-11-19 15:00:00.000000',0,0,NULL,NULL,NULL,0,'review closed','2026-11-17 19:01:00.000000');
INSERT INTO "delivery" VALUES(39,1,'review:3',NULL,3,'reminder','mentee','2026-11-19 15:00:00.000000','2026-11-24 15:00:00.000000','skipped','2026-11-19 15:00:00.000000',0,0,NULL,NULL,NULL,0,'review closed','2026-11-17 19:01:00.000000');
INSERT INTO "delivery" VALUES(40,1,'review:3',NULL,3,'summary','channel','2026-11-17 19:00:00.000000','2026-11-25 15:00:00.000000','sent','2026-11-17 19:11:00.000000',1,0,'legacy-dispatcher','C0PAIR1','1794942060.000027',0,NULL,'2026-11-17 19:01:00.000000');
INSERT INTO "delivery" VALUES(41,1,'nudge:U0MENTEE1:2026-W46',NULL,NULL,'nudge','mentee','2026-11-11 09:00:00.000000','2026-11-12 09:00:00.000000','sent','2026-11-11 09:10:00.000000',1,0,'legacy-dispatcher','D0MENTEE1','1794387600.000018',0,NULL,'2026-11-11 09:00:00.000000');
INSERT INTO "delivery" VALUES(42,1,'meeting:6',6,NULL,'prompt','mentor','2026-11-23 14:00:00.000000','2026-11-24 14:00:00.000000','planned','2026-11-23 14:00:00.000000',0,0,NULL,NULL,NULL,0,NULL,'2026-11-17 14:00:00.000000');
INSERT INTO "delivery" VALUES(43,1,'meeting:6',6,NULL,'prompt','mentee','2026-11-23 14:00:00.000000','2026-11-24 14:00:00.000000','planned','2026-11-23 14:00:00.000000',0,0,NULL,NULL,NULL,0,NULL,'2026-11-17 14:00:00.000000');
INSERT INTO "delivery" VALUES(44,1,'meeting:6',6,NULL,'agenda','channel','2026-11-24 13:00:00.000000','2026-11-24 14:00:00.000000','planned','2026-11-24 13:00:00.000000',0,0,NULL,NULL,NULL,0,NULL,'2026-11-17 14:00:00.000000');
INSERT INTO "delivery" VALUES(45,1,'meeting:6',6,NULL,'followup','channel','2026-11-24 16:00:00.000000','2026-11-25 16:00:00.000000','planned','2026-11-24 16:00:00.000000',0,0,NULL,NULL,NULL,0,NULL,'2026-11-17 14:00:00.000000');
CREATE TABLE dispatch_budget (
	name VARCHAR(32) NOT NULL, 
	tokens FLOAT NOT NULL, 
	refilled_at FLOAT NOT NULL, 
	PRIMARY KEY (name)
);
INSERT INTO "dispatch_budget" VALUES('workspace',0.0,1794942060.0);
CREATE TABLE draft (
	id INTEGER NOT NULL, 
	user_id VARCHAR(32) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	text TEXT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	used_at DATETIME, 
	PRIMARY KEY (id)
);
INSERT INTO "draft" VALUES(1,'U0MENTOR','goal','Review the team''s on-call runbook by 2027-02-15','used','2026-11-02 09:25:00.000000','2026-11-02 09:26:00.000000');
INSERT INTO "draft" VALUES(2,'U0MENTEE1','note','Idea: ask María about *conference* budgets <later> & travel 🧳','pending','2026-11-02 09:40:00.000000',NULL);
INSERT INTO "draft" VALUES(3,'U0MENTEE1','note','ok, thanks!','dismissed','2026-11-02 09:41:00.000000','2026-11-02 09:42:00.000000');
CREATE TABLE goal (
	id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	text VARCHAR(1000) NOT NULL, 
	due_on DATE, 
	status VARCHAR(16) NOT NULL, 
	created_by VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	closed_at DATETIME, 
	milestone_seq INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_goal_number UNIQUE (pair_id, number), 
	FOREIGN KEY(pair_id) REFERENCES pair (id)
);
INSERT INTO "goal" VALUES(1,1,1,'Give a talk at PyCon España','2027-06-30','open','U0MENTEE1','2026-11-02 09:10:00.000000',NULL,2);
INSERT INTO "goal" VALUES(2,1,2,'Ship the billing migration for EU invoices (done when Ñ and € render correctly)','2027-04-30','open','U0MENTEE1','2026-11-02 09:11:00.000000',NULL,1);
INSERT INTO "goal" VALUES(3,1,3,'Learn Rust',NULL,'dropped','U0MENTEE1','2026-11-02 09:12:00.000000','2026-11-03 09:00:00.000000',0);
INSERT INTO "goal" VALUES(4,1,4,'Pass the CKA exam','2027-01-31','done','U0MENTEE1','2026-11-02 09:13:00.000000','2026-11-06 08:01:00.000000',0);
INSERT INTO "goal" VALUES(5,1,5,'Start a Spanish-language study group at work',NULL,'done','U0MENTEE1','2026-11-02 09:14:00.000000','2026-11-09 12:01:00.000000',0);
INSERT INTO "goal" VALUES(6,2,1,'Mentor an intern through their first release','2027-04-30','open','U0MENTEE2','2026-11-02 09:20:00.000000',NULL,0);
INSERT INTO "goal" VALUES(7,2,2,'Write 3 blog posts about Ñandú, our data pipeline (done when they''re on the team blog)',NULL,'open','U0MENTEE2','2026-11-02 09:21:00.000000',NULL,0);
INSERT INTO "goal" VALUES(8,2,3,'Review the team''s on-call runbook','2027-02-15','open','U0MENTOR','2026-11-02 09:26:00.000000',NULL,0);
CREATE TABLE goal_revision (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	old_text TEXT NOT NULL, 
	new_text TEXT NOT NULL, 
	reason TEXT NOT NULL, 
	review_id INTEGER, 
	changed_by VARCHAR(32) NOT NULL, 
	changed_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id), 
	FOREIGN KEY(pair_id) REFERENCES pair (id), 
	FOREIGN KEY(review_id) REFERENCES review (id)
);
INSERT INTO "goal_revision" VALUES(1,2,1,'Ship the *billing* migration behind <feature flags> & write it up','Ship the billing migration for EU invoices (done when Ñ and € render correctly)','The US part moved to another team & the scope shrank',2,'U0MENTEE1','2026-11-09 12:01:00.000000');
CREATE TABLE inboundevent (
	event_id VARCHAR(64) NOT NULL, 
	event_type VARCHAR(64) NOT NULL, 
	payload TEXT NOT NULL, 
	received_at DATETIME NOT NULL, 
	deliveries INTEGER NOT NULL, 
	processed_at DATETIME, 
	outcome VARCHAR(64), 
	PRIMARY KEY (event_id)
);
INSERT INTO "inboundevent" VALUES('Ev0LEGACY0001','message','{"type": "message", "channel_type": "im", "channel": "D0MENTEE1", "user": "U0MENTEE1", "text": "Idea: ask Mar\u00eda about *conference* budgets &lt;later&gt; &amp; travel \ud83e\uddf3", "ts": "1793612400.000001", "event_ts": "1793612400.000001", "team": "T0LEGACY"}','2026-11-02 09:40:00.000000',1,'2026-11-02 09:40:00.000000','note');
INSERT INTO "inboundevent" VALUES('Ev0LEGACY0002','message','{"type": "message", "channel_type": "im", "channel": "D0MENTEE1", "user": "U0MENTEE1", "text": "ok, thanks!", "ts": "1793612460.000002", "event_ts": "1793612460.000002", "team": "T0LEGACY"}','2026-11-02 09:41:00.000000',1,'2026-11-02 09:41:00.000000','note');
INSERT INTO "inboundevent" VALUES('Ev0LEGACY0003','message','{"type": "message", "channel_type": "im", "channel": "D0MENTEE2", "user": "U0MENTEE2", "text": "win: Onboarded our first intern, Zo\u00eb, in two days #1 worked: a written checklist", "ts": "1793612700.000003", "event_ts": "1793612700.000003", "team": "T0LEGACY"}','2026-11-02 09:45:00.000000',2,'2026-11-02 09:45:00.000000','win');
INSERT INTO "inboundevent" VALUES('Ev0LEGACY0004','message','{"type": "message", "channel_type": "im", "channel": "D0MENTEE2", "user": "U0MENTEE2", "text": "goal:   ", "ts": "1793612820.000004", "event_ts": "1793612820.000004", "team": "T0LEGACY"}','2026-11-02 09:47:00.000000',1,'2026-11-02 09:47:00.000000','refused: InvalidInput');
INSERT INTO "inboundevent" VALUES('Ev0LEGACY0005','message','{"type": "message", "channel_type": "im", "channel": "D0MENTEE1", "user": "U0MENTEE1", "text": "Can we talk about the *keynote* offer &lt;maybe&gt; &amp; timing?", "ts": "1793633400.000005", "event_ts": "1793633400.000005", "team": "T0LEGACY"}','2026-11-02 15:30:00.000000',1,'2026-11-02 15:30:00.000000','reply: agenda');
INSERT INTO "inboundevent" VALUES('Ev0LEGACY0006','message','{"type": "message", "channel_type": "channel", "channel": "C0PAIR1", "user": "U0MENTEE1", "text": "Draft the abstract &amp; share it in the *#talks* channel", "ts": "1793723400.000006", "event_ts": "1793723400.000006", "team": "T0LEGACY", "thread_ts": "1793721900.000006"}','2026-11-03 16:30:00.000000',1,'2026-11-03 16:30:00.000000','reply: action');
INSERT INTO "inboundevent" VALUES('Ev0LEGACY0007','message','{"type": "message", "channel_type": "im", "channel": "D0MENTOR", "user": "U0MENTOR", "text": "stop: Rescheduling at short notice\nstart: Share my CFP reviews \ud83d\udcdd\ncontinue: Asking what *worked* &lt;each time&gt; &amp; why", "ts": "1794225600.000007", "event_ts": "1794225600.000007", "team": "T0LEGACY", "thread_ts": "1794218400.000015"}','2026-11-09 12:00:00.000000',1,'2026-11-09 12:00:00.000000','reply: review');
INSERT INTO "inboundevent" VALUES('Ev0LEGACY0008','message','{"type": "message", "channel_type": "im", "channel": "D0MENTEE1", "user": "U0MENTEE1", "text": "win: Booked the venue for the rehearsal", "ts": "1795109400.000008", "event_ts": "1795109400.000008", "team": "T0LEGACY"}','2026-11-19 17:30:00.000000',1,NULL,NULL);
CREATE TABLE meeting (
	id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	local_date DATE NOT NULL, 
	starts_at DATETIME NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_meeting_number UNIQUE (pair_id, number), 
	FOREIGN KEY(pair_id) REFERENCES pair (id)
);
INSERT INTO "meeting" VALUES(1,1,1,'2026-11-03','2026-11-03 14:00:00.000000','scheduled','2026-11-02 09:50:00.000000');
INSERT INTO "meeting" VALUES(2,2,1,'2026-11-05','2026-11-05 14:30:00.000000','scheduled','2026-11-02 09:55:00.000000');
INSERT INTO "meeting" VALUES(3,1,2,'2026-11-10','2026-11-10 14:00:00.000000','skipped','2026-11-03 14:00:00.000000');
INSERT INTO "meeting" VALUES(4,2,2,'2026-11-19','2026-11-19 14:30:00.000000','scheduled','2026-11-05 14:30:00.000000');
INSERT INTO "meeting" VALUES(5,1,3,'2026-11-17','2026-11-17 14:00:00.000000','scheduled','2026-11-10 14:00:00.000000');
INSERT INTO "meeting" VALUES(6,1,4,'2026-11-24','2026-11-24 14:00:00.000000','scheduled','2026-11-17 14:00:00.000000');
CREATE TABLE meeting_schedule (
	pair_id INTEGER NOT NULL, 
	interval_weeks INTEGER NOT NULL, 
	weekday INTEGER NOT NULL, 
	at_time VARCHAR(5) NOT NULL, 
	tz VARCHAR(64) NOT NULL, 
	anchor DATE NOT NULL, 
	active BOOLEAN NOT NULL, 
	paused_until DATE, 
	dm_before_minutes INTEGER NOT NULL, 
	agenda_before_minutes INTEGER NOT NULL, 
	followup_after_minutes INTEGER NOT NULL, 
	mentor_tz VARCHAR(64), 
	mentee_tz VARCHAR(64), 
	meeting_seq INTEGER NOT NULL, 
	next_plan_at DATETIME, 
	updated_by VARCHAR(32) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (pair_id), 
	FOREIGN KEY(pair_id) REFERENCES pair (id)
);
INSERT INTO "meeting_schedule" VALUES(1,1,1,'15:00','Europe/Madrid','2026-11-03',1,NULL,1440,60,120,'America/Mexico_City','Europe/Madrid',4,'2026-11-24 14:00:00.000000','U0MENTEE1','2026-11-02 09:50:00.000000');
INSERT INTO "meeting_schedule" VALUES(2,2,3,'09:30','America/New_York','2026-11-05',0,NULL,1440,60,120,'America/Mexico_City',NULL,2,NULL,'U0MENTEE2','2026-11-02 09:55:00.000000');
CREATE TABLE milestone (
	id INTEGER NOT NULL, 
	goal_id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	text VARCHAR(1000) NOT NULL, 
	due_on DATE, 
	status VARCHAR(16) NOT NULL, 
	created_by VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	done_at DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_milestone_number UNIQUE (goal_id, number), 
	FOREIGN KEY(goal_id) REFERENCES goal (id), 
	FOREIGN KEY(pair_id) REFERENCES pair (id)
);
INSERT INTO "milestone" VALUES(1,1,1,1,'Submit the CFP to PyCon España','2026-11-20','done','U0MENTEE1','2026-11-03 09:30:00.000000','2026-11-17 17:00:00.000000');
INSERT INTO "milestone" VALUES(2,1,1,2,'Rehearse at the Madrid *Python* meetup <Nov> & get feedback','2027-05-15','open','U0MENTEE1','2026-11-03 09:30:00.000000',NULL);
INSERT INTO "milestone" VALUES(3,2,1,1,'Write the migration plan','2026-11-10','open','U0MENTOR','2026-11-03 09:30:00.000000',NULL);
CREATE TABLE pair (
	id INTEGER NOT NULL, 
	team_id VARCHAR(32) NOT NULL, 
	mentor_id VARCHAR(32) NOT NULL, 
	mentee_id VARCHAR(32) NOT NULL, 
	channel_id VARCHAR(32) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	goal_seq INTEGER NOT NULL, 
	action_seq INTEGER DEFAULT '0' NOT NULL, 
	attention VARCHAR(64), 
	nudges BOOLEAN DEFAULT 1 NOT NULL, 
	created_by VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	ended_at DATETIME, 
	ended_by VARCHAR(32), 
	PRIMARY KEY (id)
);
INSERT INTO "pair" VALUES(1,'T0LEGACY','U0MENTOR','U0MENTEE1','C0PAIR1','active',5,3,NULL,1,'U0MENTEE1','2026-11-02 09:00:00.000000',NULL,NULL);
INSERT INTO "pair" VALUES(2,'T0LEGACY','U0MENTOR','U0MENTEE2','C0PAIR2','ended',3,1,'not_in_channel',0,'U0ADMIN','2026-11-02 09:05:00.000000','2026-11-07 10:00:00.000000','U0MENTOR');
CREATE TABLE review (
	id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	meeting_id INTEGER, 
	opens_at DATETIME NOT NULL, 
	closes_at DATETIME NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	closed_at DATETIME, 
	close_reason VARCHAR(64), 
	started_by VARCHAR(32), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_review_number UNIQUE (pair_id, number), 
	FOREIGN KEY(pair_id) REFERENCES pair (id), 
	FOREIGN KEY(meeting_id) REFERENCES meeting (id)
);
INSERT INTO "review" VALUES(1,2,1,NULL,'2026-11-06 09:00:00.000000','2026-11-13 09:00:00.000000','closed','2026-11-07 10:00:00.000000','the mentorship ended','U0MENTEE2','2026-11-06 09:00:00.000000');
INSERT INTO "review" VALUES(2,1,1,NULL,'2026-11-09 10:00:00.000000','2026-11-16 10:00:00.000000','closed','2026-11-09 12:01:00.000000','both answered','U0MENTEE1','2026-11-09 10:00:00.000000');
INSERT INTO "review" VALUES(3,1,2,5,'2026-11-17 15:00:00.000000','2026-11-24 15:00:00.000000','closed','2026-11-17 19:01:00.000000','both answered',NULL,'2026-11-10 14:00:00.000000');
CREATE TABLE review_answer (
	id INTEGER NOT NULL, 
	review_id INTEGER NOT NULL, 
	author_id VARCHAR(32) NOT NULL, 
	role VARCHAR(8) NOT NULL, 
	checkins TEXT NOT NULL, 
	audit TEXT NOT NULL, 
	evidence TEXT NOT NULL, 
	goalposts TEXT NOT NULL, 
	stop TEXT, 
	start TEXT, 
	keep_doing TEXT, 
	submitted_at DATETIME, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_review_answer UNIQUE (review_id, author_id), 
	FOREIGN KEY(review_id) REFERENCES review (id)
);
INSERT INTO "review_answer" VALUES(1,1,'U0MENTEE2','mentee','{}','{"items": {"goal:6": "on_track", "goal:7": "on_track", "goal:8": "on_track"}, "notes": {"6": "", "7": "", "8": ""}}','[]','{}','Context-switching between three projects','Pairing with Zoë on Fridays','The written checklists',NULL,'2026-11-06 11:00:00.000000');
INSERT INTO "review_answer" VALUES(2,2,'U0MENTEE1','mentee','{}','{"items": {"goal:1": "on_track", "milestone:1": "on_track", "milestone:2": "on_track", "goal:2": "behind:time", "milestone:3": "behind:skill_gap", "goal:5": "done"}, "notes": {"1": "", "2": "Need a pairing slot with the *DBA* <team> & an hour", "5": ""}}','[4, 1]','{"1": {"decision": "keep"}, "2": {"decision": "pivot", "text": "Ship the billing migration for EU invoices (done when \u00d1 and \u20ac render correctly)", "due_on": "2027-04-30", "reason": "The US part moved to another team & the scope shrank"}, "5": {"decision": "achieved"}}','Saying yes to every *urgent* <ask> & meeting','Write the talk outline every Friday
- Ask for feedback earlier','Weekly sessions — they keep me honest 💪','2026-11-09 11:00:00.000000','2026-11-09 11:00:00.000000');
INSERT INTO "review_answer" VALUES(3,2,'U0MENTOR','mentor','{}','{}','[]','{}','Rescheduling at short notice','Share my CFP reviews 📝','Asking what *worked* <each time> & why','2026-11-09 12:00:00.000000','2026-11-09 12:00:00.000000');
INSERT INTO "review_answer" VALUES(4,3,'U0MENTEE1','mentee','{"1": "yes", "2": "partly", "3": "no"}','{"items": {"goal:1": "on_track", "milestone:1": "done", "milestone:2": "on_track", "goal:2": "behind:resources", "milestone:3": "behind:resources"}, "notes": {"1": "", "2": "Still waiting on the staging database"}}','[5]','{"1": {"decision": "keep"}, "2": {"decision": "keep"}}','none','Ask for a *Rust* pairing session <weekly> & keep notes','The study group','2026-11-17 18:00:00.000000','2026-11-17 18:00:00.000000');
INSERT INTO "review_answer" VALUES(5,3,'U0MENTOR','mentor','{"4": "yes", "5": "partly"}','{}','[]','{}','nothing','Block 30 minutes after each session for notes','Everything — this is going well','2026-11-17 19:00:00.000000','2026-11-17 19:00:00.000000');
CREATE TABLE review_cadence (
	pair_id INTEGER NOT NULL, 
	every_weeks INTEGER, 
	updated_by VARCHAR(32) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (pair_id), 
	FOREIGN KEY(pair_id) REFERENCES pair (id)
);
INSERT INTO "review_cadence" VALUES(1,1,'U0MENTEE1','2026-11-09 13:00:00.000000');
CREATE TABLE review_fit (
	review_id INTEGER NOT NULL, 
	mentee_id VARCHAR(32) NOT NULL, 
	score INTEGER NOT NULL, 
	comment TEXT, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (review_id), 
	FOREIGN KEY(review_id) REFERENCES review (id)
);
INSERT INTO "review_fit" VALUES(2,'U0MENTEE1',4,'Ana has given talks like the one I want to give 🙌','2026-11-09 11:00:00.000000');
INSERT INTO "review_fit" VALUES(3,'U0MENTEE1',2,'I''d like more help with *Rust* <systems> & performance work','2026-11-17 18:00:00.000000');
CREATE TABLE win (
	id INTEGER NOT NULL, 
	pair_id INTEGER NOT NULL, 
	goal_id INTEGER, 
	author_id VARCHAR(32) NOT NULL, 
	text TEXT NOT NULL, 
	worked TEXT, 
	created_at DATETIME NOT NULL, 
	announce_channel VARCHAR(32), 
	announce_ts VARCHAR(32), 
	announce_error VARCHAR(64), 
	PRIMARY KEY (id), 
	FOREIGN KEY(pair_id) REFERENCES pair (id), 
	FOREIGN KEY(goal_id) REFERENCES goal (id)
);
INSERT INTO "win" VALUES(1,1,1,'U0MENTEE1','Gave my first talk at PyCon España 🎤','rehearsing twice with a friend & recording myself','2026-11-02 09:30:00.000000','C0PAIR1','1793611800.000001',NULL);
INSERT INTO "win" VALUES(2,1,2,'U0MENTEE1','Merged the *retry* fix for <billing> & invoices','pairing with the SRE team','2026-11-02 09:31:00.000000','C0PAIR1',NULL,'ratelimited');
INSERT INTO "win" VALUES(3,2,6,'U0MENTEE2','Onboarded our first intern, Zoë, in two days','a written checklist','2026-11-02 09:45:00.000000','C0PAIR2','1793612700.000002',NULL);
INSERT INTO "win" VALUES(4,1,4,'U0MENTEE1','Passed the CKA exam 🎉',NULL,'2026-11-06 08:00:00.000000','C0PAIR1','1793952000.000011',NULL);
INSERT INTO "win" VALUES(5,1,NULL,'U0MENTEE1','Ran the first study group: 12 people came, ¡gracias a todos!','booking the room a week early','2026-11-12 18:00:00.000000','C0PAIR1','1794506400.000019',NULL);
CREATE INDEX ix_actionitem_pair_id ON actionitem (pair_id);
CREATE INDEX ix_agendaitem_meeting_id ON agendaitem (meeting_id);
CREATE INDEX ix_agendaitem_pair_id ON agendaitem (pair_id);
CREATE INDEX ix_commitment_pair_id ON commitment (pair_id);
CREATE INDEX ix_delivery_claimable ON delivery (status, next_at);
CREATE INDEX ix_delivery_pair_id ON delivery (pair_id);
CREATE INDEX ix_delivery_posted ON delivery (channel, ts);
CREATE INDEX ix_draft_user_id ON draft (user_id);
CREATE INDEX ix_goal_pair_id ON goal (pair_id);
CREATE INDEX ix_goal_revision_goal_id ON goal_revision (goal_id);
CREATE INDEX ix_inboundevent_processed_at ON inboundevent (processed_at);
CREATE INDEX ix_meeting_pair_id ON meeting (pair_id);
CREATE INDEX ix_meeting_schedule_next_plan_at ON meeting_schedule (next_plan_at);
CREATE INDEX ix_milestone_goal_id ON milestone (goal_id);
CREATE INDEX ix_milestone_pair_id ON milestone (pair_id);
CREATE INDEX ix_pair_mentee_id ON pair (mentee_id);
CREATE INDEX ix_pair_mentor_id ON pair (mentor_id);
CREATE INDEX ix_review_answer_review_id ON review_answer (review_id);
CREATE INDEX ix_review_pair_id ON review (pair_id);
CREATE INDEX ix_win_pair_id ON win (pair_id);
CREATE UNIQUE INDEX uq_delivery_subject ON delivery (subject, kind, audience);
CREATE UNIQUE INDEX uq_pair_active_channel ON pair (channel_id) WHERE status = 'active';
CREATE UNIQUE INDEX uq_pair_active_members ON pair (mentor_id, mentee_id) WHERE status = 'active';
COMMIT;
