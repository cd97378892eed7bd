-- Online sessions: the video call's link, set per series by a
-- coordinator (an https address, checked by the page), sent to the
-- client in the booking email and the reminders and shown on their own
-- page; never written into a calendar feed.  '' when none.
ALTER TABLE series ADD COLUMN video_url TEXT NOT NULL DEFAULT '';
