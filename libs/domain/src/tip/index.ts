export { initialState, evolve } from '../wallet/wallet.state';
export { decide, isEligibleAuthor, tipAuthor, tipDecider, type PraiseTip, type TipAuthor, type TipCommand, type TipEvent } from './tip.decider';
