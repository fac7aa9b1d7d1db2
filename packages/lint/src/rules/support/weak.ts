/** How every rule words a weak-value finding (issue #13): what it is, and why it still matters. */
export const WEAK_WHAT = "a well-known weak value";
export const WEAK_WHY = "anyone who reads this file can log in wherever it is deployed";
export const WEAK_VALUE = `${WEAK_WHAT}: ${WEAK_WHY}`;
