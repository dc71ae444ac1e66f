// Placeholder until the demo issue lands: says what is coming.
console.log(`twostep demo
  The demo (an IdP for "Maple Street Physio" and a sample clinic app) is not built yet.
  Today you can run every check and test with:  ./run test`);
