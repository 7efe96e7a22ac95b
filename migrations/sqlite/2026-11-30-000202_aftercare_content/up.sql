-- Aftercare content reviewed (issue 9), applied where the clinic still has the default text:
-- the laser rebooking nudge "four to six weeks apart" is not supported by the article (another
-- laser session is the doctor's plan, not a fixed interval), so it stops; the day-2 laser
-- check-in no longer says swelling "should be easing" (it often peaks at 48-72 hours); the
-- laser texts no longer promise "painless" or healing "over the following days".
UPDATE care_plan_steps SET active = FALSE
    WHERE kind = 'follow_up' AND body LIKE '%others need several sessions, four to six weeks apart%';
UPDATE care_plan_steps SET body = REPLACE(body,
    'Redness and swelling are normal now and should be easing.',
    'Redness and swelling are normal now, and swelling is often at its worst around two to three days after treatment before it settles.')
    WHERE kind = 'check_in';
UPDATE treatments SET during_session = REPLACE(during_session,
    'The procedure is described as painless.',
    'Our clinic numbs the skin first and cools it during and after the treatment to keep you comfortable; your doctor talks you through what you will feel.')
    WHERE slug = 'laser-resurfacing';
UPDATE treatments SET recovery = REPLACE(recovery,
    'The treated area heals over the following days as new skin forms.',
    'As the treated area heals, new skin forms; healing usually takes one to two weeks, with redness, swelling and crusting at first and pinkness that can last several weeks.')
    WHERE slug = 'laser-resurfacing';
