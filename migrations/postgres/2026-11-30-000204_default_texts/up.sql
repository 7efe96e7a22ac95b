-- The other default texts of issue 9, applied where a clinic still has the old default word for
-- word (its own wording is left alone): the reminder two days before with the change-or-call
-- line, the confirmation with the session's length and the change cut-off, the cancellation
-- saying who cancelled, 'we missed you' with the day as true on arrival, and the short variants
-- of the preparations (empty until now).
UPDATE care_plan_steps SET offset_minutes = -2880, body = 'Hello {patient_name},

This is a reminder of your {treatment} with {practitioner} {day}, {when}.

Please arrive a few minutes early, with clean skin and no make-up on the treatment area.

{change_or_call}'
    WHERE kind = 'reminder' AND offset_minutes = -1440 AND body = 'Hello {patient_name},

This is a reminder of your {treatment} with {practitioner} on {when}.

Please arrive a few minutes early, with clean skin and no make-up on the treatment area.

If you can no longer come, please let us know: {manage_url} or call {clinic_phone}.';
UPDATE care_plan_steps SET body = 'Hello {patient_name},

Your {treatment} with {practitioner} is booked for {when}. The session takes about {duration}.

The price is {price} per session; it is confirmed with you at your visit. The attached calendar file adds the appointment to your calendar.

You can see your appointment, and move or cancel it online until {change_until}, here: {manage_url}
After that, please call us on {clinic_phone}.'
    WHERE kind = 'confirmation' AND body = 'Hello {patient_name},

Your {treatment} with {practitioner} is booked for {when}.

The price is {price} per session; it is confirmed with you at your visit. The attached calendar file adds the appointment to your calendar.

You can see, move or cancel your appointment here: {manage_url}';
UPDATE care_plan_steps SET body = 'Hello {patient_name},

We are sorry we didn''t see you for your {treatment} {day}, {when}.

If you''d like to book another time, you can do so here: {book_url}
Or call us on {clinic_phone}; we are happy to help.'
    WHERE kind = 'missed' AND body = 'Hello {patient_name},

We are sorry we didn''t see you for your {treatment} on {when}.

If you''d like to book another time, you can do so here: {book_url}
Or call us on {clinic_phone}; we are happy to help.';
UPDATE care_plan_steps SET body = 'Hello {patient_name},

Your {treatment} on {when} has been cancelled. The attached calendar file removes it from your calendar.

{cancel_note}

To book another time: {book_url}'
    WHERE kind = 'cancellation' AND body = 'Hello {patient_name},

Your {treatment} on {when} has been cancelled.

If you''d like to book another time: {book_url}';
UPDATE care_plan_steps SET late_body = 'Hello {patient_name},

Your chemical peel is {day}, {when}: sooner than the five days of preparation we usually suggest, so here is what still helps.

- From now until your visit, don''t use retinoids (retinol, tretinoin) or exfoliating products such as AHA/BHA acids and scrubs.
- Stay out of the sun and use a broad-spectrum SPF 30 or higher.
- Don''t wax or use hair-removal creams on the treatment area before your visit.

Please call us on {clinic_phone} before your visit if you have used retinoids or exfoliants, waxed or had sunburn in the last few days, or have a cold sore, broken skin or a new medication: your practitioner may adjust the peel or suggest another date.

On the day, come with clean skin and no make-up. Your appointment: {manage_url}'
    WHERE kind = 'preparation' AND late_body = '' AND body LIKE '%Your chemical peel is {day}, {when}. To prepare your skin:%'
    AND treatment_id IN (SELECT id FROM treatments WHERE slug = 'chemical-peel');
UPDATE care_plan_steps SET late_body = 'Hello {patient_name},

Your laser resurfacing is {day}, {when}: sooner than the two weeks of preparation we ask for.

- From now on, stay out of the sun and don''t use sunbeds or self-tan; use SPF 30 or higher every day.
- Don''t use retinoids or exfoliating acids before your treatment.

Please call us on {clinic_phone} before your visit if you can''t follow this preparation, if you have had sun exposure, a tan, retinoids or exfoliating acids in the last two weeks, if you get cold sores (an antiviral may need to be started beforehand), or if you have taken isotretinoin in the past year. Your doctor may need to move the treatment to keep it safe.

Your appointment: {manage_url}'
    WHERE kind = 'preparation' AND late_body = '' AND body LIKE '%Your laser resurfacing is {day}, {when}. To prepare:%'
    AND treatment_id IN (SELECT id FROM treatments WHERE slug = 'laser-resurfacing');
UPDATE care_plan_steps SET late_body = 'Hello {patient_name},

Your microneedling is {day}, {when}. A numbing cream is applied when you arrive, so please allow a little extra time.

- Until then, avoid sunburn and don''t use retinoids or exfoliating acids.
- Come with clean skin and no make-up.

Please call us on {clinic_phone} before your visit if you have a cold sore, an active acne breakout, sunburn or broken skin on the area, or have used retinoids or acids in the last few days.

Your appointment: {manage_url}'
    WHERE kind = 'preparation' AND late_body = '' AND body LIKE '%A numbing cream is applied when you arrive, so please allow a little extra time.%'
    AND treatment_id IN (SELECT id FROM treatments WHERE slug = 'microneedling');
