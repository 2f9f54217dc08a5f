; seg_loads: loading DS/ES/FS/GS/SS (mov, pop, lds/les/lss) in protected
; mode, with each check of SDM vol. 3 5.10 / vol. 2 "MOV -- Move to/from
; Segment Registers": null selectors (load fine, use #GP(0); SS null #GP(0)),
; selector beyond the GDT/LDT limit, system descriptors and gates,
; execute-only code into DS, code or read-only data into SS, DPL/RPL/CPL
; rules (ring 0 and ring 3), not-present (#NP(sel); #SS(sel) for SS), and
; the accessed bit written back into the descriptor. A failed load leaves
; the register and ESP unchanged (the hook prints DS and ESP at the fault).
;
; QEMU 7.2 (TCG) deviates from the SDM here, bochs 2.7 does not, so the
; reference transcript is bochs' (QEMU's is kept as seg_loads.qemu.txt):
;  - a memory access through a null DS/ES/FS/GS does not raise #GP(0)
;    (SDM vol. 2 MOV: "a subsequent memory reference using that register
;    causes a #GP(0)"); QEMU never checks the descriptor cache on use;
;  - a write through DS holding a readable code segment does not raise
;    #GP(0) (no type check on data accesses);
;  - a far jmp does not set the accessed bit of the code descriptor it loads
;    into CS (SDM vol. 3 3.4.5.1: the bit is set when the selector is loaded
;    into a segment register).
; area: segmentation, selector loads
; reference: bochs

%define KERNEL_NAME "seg_loads"
%include "lib/kernel.inc"

S_D0    equ 0x68                    ; data RW, DPL 0, accessed bit clear
S_D3    equ 0x70                    ; data RW, DPL 3
S_XO    equ 0x78                    ; code execute-only, DPL 0
S_CR    equ 0x80                    ; code execute/read, DPL 0
S_NP    equ 0x88                    ; data RW, DPL 0, not present
S_RO    equ 0x90                    ; data read-only, DPL 0
S_SYS   equ 0x98                    ; LDT descriptor (system)
S_CRC   equ 0xA0                    ; conforming code execute/read, DPL 0
S_NP3   equ 0xA8                    ; data RW, DPL 3, not present
S_D1    equ 0xB0                    ; data RW, DPL 1
S_CODE  equ 0xB8                    ; code execute/read, DPL 0, accessed clear (far jmp)
S_GATE  equ 0xC0                    ; call gate
S_TSS   equ 0xC8                    ; available 32-bit TSS
S_LAST  equ 0x1F8                   ; last slot inside the GDT limit (empty)
S_OUT   equ 0x200                   ; first selector beyond the GDT limit
L_D0    equ 0x0C                    ; LDT slot 1: data RW DPL 0 (TI=1)
L_OUT   equ 0x104                   ; beyond the LDT limit (0xFF)

        bits 32
main:
        SETDESC S_D0,  0, 0xFFFFF, ACC_P | ACC_DATA | ACC_W, FLG_G | FLG_DB
        SETDESC S_D3,  0, 0xFFFFF, ACC_P | ACC_DPL(3) | ACC_DATA | ACC_W, FLG_G | FLG_DB
        SETDESC S_XO,  0, 0xFFFFF, ACC_P | ACC_CODE, FLG_G | FLG_DB
        SETDESC S_CR,  0, 0xFFFFF, ACC_P | ACC_CODE | ACC_R, FLG_G | FLG_DB
        SETDESC S_NP,  0, 0xFFFFF, ACC_DATA | ACC_W, FLG_G | FLG_DB
        SETDESC S_RO,  0, 0xFFFFF, ACC_P | ACC_DATA, FLG_G | FLG_DB
        SETDESC S_SYS, LDT_BASE, LDT_LIMIT, ACC_P | T_LDT, 0
        SETDESC S_CRC, 0, 0xFFFFF, ACC_P | ACC_CODE | ACC_C | ACC_R, FLG_G | FLG_DB
        SETDESC S_NP3, 0, 0xFFFFF, ACC_DPL(3) | ACC_DATA | ACC_W, FLG_G | FLG_DB
        SETDESC S_D1,  0, 0xFFFFF, ACC_P | ACC_DPL(1) | ACC_DATA | ACC_W, FLG_G | FLG_DB
        SETDESC S_CODE, 0, 0xFFFFF, ACC_P | ACC_CODE | ACC_R, FLG_G | FLG_DB
        SETGATE S_GATE, SEL_CODE32, main, ACC_P | T_CALL32, 0
        mov edi, TSS_B
        call tss_clear
        SETDESC S_TSS, TSS_B, 0x67, ACC_P | T_TSS32, 0
        SETDESC L_D0,  0, 0xFFFFF, ACC_P | ACC_DATA | ACC_W, FLG_G | FLG_DB

        ; ---------------------------------------------------------- null selectors
        PRINT "mov ds,0000: "
        TRY
        xor eax, eax
        mov ds, ax
        ENDTRY
        PRINT "mov ds,0003 (null, rpl 3): "
        TRY
        mov eax, 3
        mov ds, ax
        ENDTRY
        PRINT "read through null ds: "
        TRY
        xor eax, eax
        mov ds, ax
        mov eax, [0x20000]
        ENDTRY
        PRINT "write through null es (stosb): "
        TRY
        xor eax, eax
        mov es, ax
        mov edi, SCRATCH
        stosb
        ENDTRY
        PRINT "read through null fs: "
        TRY
        xor eax, eax
        mov fs, ax
        mov eax, [fs:SCRATCH]
        ENDTRY
        PRINT "read through null gs: "
        TRY
        xor eax, eax
        mov gs, ax
        mov eax, [gs:SCRATCH]
        ENDTRY
        PRINT "mov ss,0000 at cpl 0: "
        TRY
        xor eax, eax
        mov ss, ax
        ENDTRY

        ; ---------------------------------------------------------- table limits
        HOOK hook_state
        PRINT "mov ds,0200 (beyond gdt limit 01ff): "
        TRY
        mov eax, S_OUT
        mov ds, ax
        ENDTRY
        PRINT "mov ds,01f8 (last slot, empty): "
        TRY
        mov eax, S_LAST
        mov ds, ax
        ENDTRY
        PRINT "mov ds,000c (ldt slot 1): "
        TRY
        mov eax, L_D0
        mov ds, ax
        ENDTRY
        PRINT "mov fs,0104 (beyond ldt limit 00ff): "
        TRY
        mov eax, L_OUT
        mov fs, ax
        ENDTRY
        HOOK 0

        ; ---------------------------------------------------------- descriptor types
        PRINT "mov ds,0098 (ldt descriptor): "
        TRY
        mov eax, S_SYS
        mov ds, ax
        ENDTRY
        PRINT "mov es,00c0 (call gate): "
        TRY
        mov eax, S_GATE
        mov es, ax
        ENDTRY
        PRINT "mov gs,00c8 (tss): "
        TRY
        mov eax, S_TSS
        mov gs, ax
        ENDTRY
        PRINT "mov ds,0078 (execute-only code): "
        TRY
        mov eax, S_XO
        mov ds, ax
        ENDTRY
        PRINT "mov ds,0080 (readable code): "
        TRY
        mov eax, S_CR
        mov ds, ax
        ENDTRY
        PRINT "write through ds=readable code: "
        TRY
        mov eax, S_CR
        mov ds, ax
        mov byte [SCRATCH], 1
        ENDTRY
        PRINT "mov ss,0080 (code): "
        TRY
        mov eax, S_CR
        mov ss, ax
        ENDTRY
        PRINT "mov ss,0090 (read-only data): "
        TRY
        mov eax, S_RO
        mov ss, ax
        ENDTRY
        PRINT "mov ds,0090 (read-only data): "
        TRY
        mov eax, S_RO
        mov ds, ax
        ENDTRY
        PRINT "mov cs,ax (8e c8): "
        TRY
        db 0x8E, 0xC8
        ENDTRY

        ; ---------------------------------------------------------- not present
        PRINT "mov ds,0088 (not present): "
        TRY
        mov eax, S_NP
        mov ds, ax
        ENDTRY
        PRINT "mov ss,0088 (not present): "
        TRY
        mov eax, S_NP
        mov ss, ax
        ENDTRY
        PRINT "mov gs,0088 (not present): "
        TRY
        mov eax, S_NP
        mov gs, ax
        ENDTRY

        ; ---------------------------------------------------------- privilege at cpl 0
        PRINT "mov ds,006b (rpl 3 > dpl 0): "
        TRY
        mov eax, S_D0 | 3
        mov ds, ax
        ENDTRY
        PRINT "mov ds,0070 (dpl 3, rpl 0): "
        TRY
        mov eax, S_D3
        mov ds, ax
        ENDTRY
        PRINT "mov ds,00b2 (dpl 1, rpl 2): "
        TRY
        mov eax, S_D1 | 2
        mov ds, ax
        ENDTRY
        PRINT "mov ss,0070 (dpl 3 != cpl 0): "
        TRY
        mov eax, S_D3
        mov ss, ax
        ENDTRY
        PRINT "mov ss,0069 (rpl 1 != cpl 0): "
        TRY
        mov eax, S_D0 | 1
        mov ss, ax
        ENDTRY
        PRINT "mov ss,0068: "
        TRY
        mov eax, S_D0
        mov ss, ax
        ENDTRY

        ; ---------------------------------------------------------- pop, lds/les/lss
        HOOK hook_state
        PRINT "pop ds (0200): "
        TRY
        push dword S_OUT
        pop ds
        ENDTRY
        PRINT "pop es (0070): "
        TRY
        push dword S_D3
        pop es
        add esp, 0                  ; (ESP is back at the TRY value)
        ENDTRY
        PRINT "pop ss (0088 not present): "
        TRY
        push dword S_NP
        pop ss
        ENDTRY
        mov dword [KVARS], 0x11111111       ; far pointers: offset, selector
        mov dword [KVARS + 4], S_OUT
        mov dword [KVARS + 8], 0x22222222
        mov dword [KVARS + 12], SEL_DATA32
        mov dword [KVARS + 16], 0x33333333
        mov dword [KVARS + 20], SEL_NULL
        PRINT "les eax,[0200:11111111]: "
        TRY
        mov eax, 0xAAAAAAAA
        les eax, [KVARS]
        ENDTRY
        PRINT "lfs eax,[0010:22222222]: "
        TRY
        lfs eax, [KVARS + 8]
        mov ebx, eax
        mov cx, fs
        PKV32 "eax=", ebx
        PKVSEG " fs=", fs
        PRINT " "
        ENDTRY
        PRINT "lss esp,[0000:33333333]: "
        TRY
        lss esp, [KVARS + 16]
        ENDTRY
        PRINT "lds eax,[0000:33333333]: "
        TRY
        lds eax, [KVARS + 16]
        PKV32 "eax=", eax
        PKVSEG " ds=", ds
        PRINT " "
        ENDTRY
        HOOK 0

        ; ---------------------------------------------------------- accessed bit
        and byte [GDT_SLOT(S_D0) + 5], ~ACC_A
        PRINT "accessed: gdt 0068 before="
        PACC S_D0
        mov eax, S_D0
        mov ds, ax
        mov eax, SEL_DATA32
        mov ds, ax
        PRINT " after mov ds="
        PACC S_D0
        PRINTLN
        and byte [GDT_SLOT(S_D0) + 5], ~ACC_A
        PRINT "accessed: gdt 0068 cleared="
        PACC S_D0
        mov eax, S_D0
        mov ss, ax
        mov eax, SEL_DATA32
        mov ss, ax
        PRINT " after mov ss="
        PACC S_D0
        PRINTLN
        and byte [GDT_SLOT(S_D0) + 5], ~ACC_A
        PRINT "accessed: no write on a faulting load (rpl 3): "
        TRY
        mov eax, S_D0 | 3
        mov ds, ax
        ENDTRY
        PRINT "accessed: gdt 0068 still="
        PACC S_D0
        PRINTLN
        PRINT "accessed: code 00b8 before="
        PACC S_CODE
        jmp S_CODE:.far
.far:   jmp SEL_CODE32:.back
.back:  PRINT " after far jmp="
        PACC S_CODE
        PRINTLN
        movzx eax, byte [LDT_SLOT(L_D0) + 5]
        PKV8 "accessed: ldt 000c=", eax
        PRINTLN

        ; ---------------------------------------------------------- ring 3
        R3BEGIN "cpl3 mov ds,0073 (dpl 3): "
        mov eax, S_D3 | 3
        mov ds, ax
        R3END
        R3BEGIN "cpl3 mov ds,0070 (rpl 0, dpl 3): "
        mov eax, S_D3
        mov ds, ax
        R3END
        R3BEGIN "cpl3 mov ds,006b (dpl 0): "
        mov eax, S_D0 | 3
        mov ds, ax
        R3END
        R3BEGIN "cpl3 mov ds,00b3 (dpl 1): "
        mov eax, S_D1 | 3
        mov ds, ax
        R3END
        R3BEGIN "cpl3 mov ds,0083 (readable code, dpl 0): "
        mov eax, S_CR | 3
        mov ds, ax
        R3END
        R3BEGIN "cpl3 mov ds,00a3 (conforming readable code, dpl 0): "
        mov eax, S_CRC | 3
        mov ds, ax
        R3END
        R3BEGIN "cpl3 mov ss,0073: "
        mov eax, S_D3 | 3
        mov ss, ax
        R3END
        R3BEGIN "cpl3 mov ss,0070 (rpl 0 != cpl 3): "
        mov eax, S_D3
        mov ss, ax
        R3END
        R3BEGIN "cpl3 mov ss,00b3 (dpl 1): "
        mov eax, S_D1 | 3
        mov ss, ax
        R3END
        R3BEGIN "cpl3 mov ss,00ab (dpl 3, not present): "
        mov eax, S_NP3 | 3
        mov ss, ax
        R3END
        R3BEGIN "cpl3 mov ds,00ab (dpl 3, not present): "
        mov eax, S_NP3 | 3
        mov ds, ax
        R3END
        R3BEGIN "cpl3 mov ss,0000: "
        xor eax, eax
        mov ss, ax
        R3END
        R3BEGIN "cpl3 read through ds nulled by iret: "
        mov eax, [SCRATCH]
        R3END

        ; ---------------------------------------------------------- null LDT
        xor eax, eax
        lldt ax
        PRINT "mov ds,000c with ldtr=0: "
        TRY
        mov eax, L_D0
        mov ds, ax
        ENDTRY
        EXIT 0

; fault hook: the data segment and stack pointer the faulting instruction
; left behind (same-privilege frame: ESP at the fault = EIP slot + 12)
hook_state:
        movzx eax, word [ss:ebp + FRAME.ds]
        PKV16 "  at the fault: ds=", eax
        lea eax, [ebx + 12]
        sub eax, [fault_esp]
        PKV32 " esp-esp(try)=", eax
        mov eax, [ss:ebp + FRAME.eax]
        PKV32 " eax=", eax
        PRINTLN
        xor eax, eax
        ret

%include "lib/tail.inc"
