export { InjectError } from "../errors.js";
