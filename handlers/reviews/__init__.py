"""Reviews: `/review`, `/mentor review`, the paged questionnaire, and the review's messages."""
